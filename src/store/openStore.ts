/**
 * A store: a root directory whose files are changed through journalled transactions, with the journal,
 * manifest, lock table and backups in a state directory (default `<root>/.txfs`).
 */
import * as path from 'node:path';
import type { Env } from '../env.js';
import { TxfsError, hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import type { Journal } from '../journal/journal.js';
import { finishPendingRemovals } from '../backup/pendingRemoval.js';
import { recoverStore } from '../recovery/recover.js';
import { storeExtensions, type StoreCore } from './storeExtensions.js';
import type { ProtocolBreaks } from '../transaction/breaks.js';
import { settleBackground, type StoreContext } from '../transaction/context.js';
import { createStoreCore } from './storeCore.js';
import { newTxId } from '../transaction/txId.js';
import { coalesceAfterCommit } from '../transaction/coalesceAfterCommit.js';
import { defaultTuning, type CommitTuning } from '../transaction/tuning.js';
import type { Backups, RecoveryReport, Store, StoreOptions } from '../types.js';

/** Test-only internals of a store: a broken protocol, a fixed clock, fixed ids. */
export interface StoreInternals {
  readonly breaks?: ProtocolBreaks;
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Benchmark switches (see `CommitTuning`); absent: the defaults. */
  readonly tuning?: CommitTuning;
}

const contexts = new WeakMap<object, StoreContext>();

/** The internals of a store opened here. Throws a TypeError for anything else. */
export const contextOf = (store: Store): StoreContext => {
  const ctx = contexts.get(store);
  if (ctx === undefined) throw new TypeError('not a store opened by openStore');
  return ctx;
};

const stateError = (stateDir: string, e: unknown): TxfsError => {
  const code = e instanceof TxfsError ? e.code : 'EIO';
  return new TxfsError(code, `${code}: the state directory ${stateDir} cannot be used (${e instanceof Error ? e.message : String(e)}); choose a writable directory with the stateDir option`, {
    path: stateDir,
    cause: e,
  });
};

/** Checks the root: it must exist and be a directory. Returns its canonical path. */
const checkRoot = async (fs: FileSystem, root: string): Promise<string> => {
  try {
    const st = await fs.stat(root);
    if (st.kind !== 'directory') throw new TxfsError('ENOTDIR', `ENOTDIR: the store root ${root} is a ${st.kind}, not a directory`, { path: root });
    return await fs.realpath(root);
  } catch (e) {
    if (hasCode(e, 'ENOENT')) throw new TxfsError('ENOENT', `ENOENT: the store root ${root} does not exist; create it first`, { path: root, cause: e });
    throw e;
  }
};

/** Unlinks `p`; absent is fine (another process's open may have removed it). */
const removeIfPresent = async (fs: FileSystem, p: string): Promise<void> => {
  try {
    await fs.unlink(p);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
  }
};

/** Creates the state and backup directories and proves the state directory writable (a probe file, removed). */
const prepareStateDir = async (fs: FileSystem, stateDir: string, backupDir: string): Promise<string> => {
  try {
    let created = false;
    try {
      const st = await fs.lstat(stateDir);
      if (st.kind !== 'directory') throw new TxfsError('ENOTDIR', `ENOTDIR: ${stateDir} is a ${st.kind}, not a directory`, { path: stateDir });
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw e;
      await fs.mkdir(stateDir, { recursive: true });
      created = true;
    }
    await fs.mkdir(backupDir, { recursive: true });
    // The backup directory's own entry must be durable before any backup is linked into it.
    await fs.syncDir(path.dirname(backupDir));
    // One fixed name: a probe left by an open that failed half-way is simply replaced by the next open.
    const probe = path.join(stateDir, '.probe');
    const fh = await fs.open(probe, 'wx', 0o600).catch(async (e: unknown) => {
      if (!hasCode(e, 'EEXIST')) throw e;
      await removeIfPresent(fs, probe);
      return fs.open(probe, 'wx', 0o600);
    });
    try {
      await fh.close();
    } finally {
      await removeIfPresent(fs, probe);
    }
    if (created) await fs.syncDir(path.dirname(stateDir));
    return await fs.realpath(stateDir);
  } catch (e) {
    throw stateError(stateDir, e);
  }
};

const openJournal = async (options: StoreOptions, stateDir: string, tuning: CommitTuning): Promise<{ journal: Journal; owned: boolean }> => {
  if (options.journal !== undefined) return { journal: options.journal, owned: false };
  // Loaded only when needed: a store on an injected journal never loads LMDB.
  const { openLmdbJournal } = await import('../journal/lmdb.js');
  try {
    return { journal: await openLmdbJournal(path.join(stateDir, 'journal'), { overlappingSync: tuning.overlappingSync ?? defaultTuning.overlappingSync }), owned: true };
  } catch (e) {
    throw e instanceof TxfsError && e.code === 'EJOURNAL' ? e : stateError(stateDir, e);
  }
};

/**
 * Opens a store with test-only internals (a deliberately broken protocol, a fixed clock or id source).
 * Same errors as `openStore`.
 */
export const openStoreWith = async (options: StoreOptions, internals: StoreInternals): Promise<Store> => {
  if (typeof options !== 'object' || options === null || typeof options.root !== 'string') throw new TypeError('openStore: options.root must be a string');
  const fs = options.fs ?? (await import('../fs/node.js')).nodeFileSystem;
  const root = path.resolve(options.root);
  const rootReal = await checkRoot(fs, root);
  const stateDir = path.resolve(root, options.stateDir ?? '.txfs');
  const backupDir = path.resolve(root, options.backups?.dir ?? path.join(stateDir, 'backups'));
  const stateDirReal = await prepareStateDir(fs, stateDir, backupDir);
  const { journal, owned } = await openJournal(options, stateDir, internals.tuning ?? {});
  const now = internals.now ?? Date.now;
  const env: Env = { fs, journal, now, newId: internals.newId ?? (() => newTxId(now())) };
  const ctx: StoreContext = {
    env, root, rootReal, stateDir, stateDirReal, backupDir,
    lockTimeoutMs: options.lockTimeoutMs ?? 10_000,
    breaks: internals.breaks ?? {},
    backupPolicy: options.backups,
    logger: options.logger,
    stuck: new Set(),
    afterCommit: undefined,
    recoverNow: undefined,
    background: owned ? new Set() : undefined,
    ...(internals.tuning === undefined ? {} : { tuning: internals.tuning }),
  };
  let recovery: RecoveryReport = { rolledForward: [], rolledBack: [], tempFilesRemoved: 0, staleLocksBroken: 0, problems: [], durationMs: 0 };
  try {
    if (options.recover !== false) {
      recovery = await recoverStore(ctx);
      // Backup removals and compression temps that a crash interrupted: their journal records name them.
      await finishPendingRemovals({ env: ctx.env, backupDir: ctx.backupDir });
    }
  } catch (e) {
    if (owned) await journal.close().catch(() => undefined);
    throw e;
  }
  ctx.recoverNow = () => recoverStore(ctx);
  const core: StoreCore = createStoreCore(ctx, recovery, owned);
  const ext = storeExtensions(ctx, core);
  const coalesce = internals.tuning?.coalesceRetention ?? defaultTuning.coalesceRetention;
  ctx.afterCommit = ext.afterCommit === undefined || !coalesce ? ext.afterCommit : coalesceAfterCommit(ext.afterCommit);
  // What the backup store reports includes the housekeeping of every commit that resolved before the call.
  const settled = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    await settleBackground(ctx);
    return f(...a);
  };
  const b = ext.backups;
  const backups: Backups = {
    create: settled(b.create.bind(b)), list: settled(b.list.bind(b)), restore: settled(b.restore.bind(b)),
    verify: settled(b.verify.bind(b)), prune: settled(b.prune.bind(b)), usage: settled(b.usage.bind(b)),
  };
  const store: Store = { ...core, recovery, backups, undo: settled(ext.undo), watch: ext.watch };
  contexts.set(store, ctx);
  return store;
};

/**
 * Opens (creating if needed) the store rooted at `options.root`, and runs recovery first unless `recover: false`.
 * @throws TxfsError ENOENT / ENOTDIR (root), EACCES / EPERM / EROFS / ENOTDIR (state directory not usable),
 *   EJOURNAL (a journal record that does not decode: nothing is touched).
 * @example const store = await openStore({ root: '/srv/exports' });
 */
export const openStore = (options: StoreOptions): Promise<Store> => openStoreWith(options, {});

/**
 * Runs recovery on an open store, or opens the store of `options`, recovers and closes it.
 * @throws TxfsError EJOURNAL, ELOCKED, or an OS error.
 * @example const report = await recover({ root: '/srv/exports' });
 */
export const recover = async (target: Store | StoreOptions): Promise<RecoveryReport> => {
  const ctx = contexts.get(target);
  if (ctx !== undefined) return recoverStore(ctx);
  const store = await openStore({ ...(target as StoreOptions), recover: true });
  try {
    return store.recovery;
  } finally {
    await store.close();
  }
};
