/**
 * `openStore`, the composition root: a root directory whose files are changed through journalled transactions,
 * with the journal, manifest, lock table and backups in a state directory (default `<root>/.txfs`). Here the
 * layers are wired together: the environment, the commit protocol's step table (its roll-back is recovery's plan),
 * recovery on open, and the store's members.
 */
import * as path from 'node:path';
import type { Env } from '../env.js';
import { TxfsError } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import type { Journal } from '../journal/journal.js';
import { ridingJournal } from '../journal/riding.js';
import { finishPendingRemovals } from '../backup/pendingRemoval.js';
import { confine, releaseConfinement } from '../fs/confined.js';
import { recoverStore } from '../recovery/recover.js';
import { recoverySteps, type RecoverySteps } from '../recovery/replay.js';
import { rollBackRecord } from '../recovery/rollBack.js';
import { coalesceAfterCommit } from '../transaction/coalesceAfterCommit.js';
import { settleBackground, type StoreContext } from '../transaction/context.js';
import { osProcesses } from '../transaction/liveness.js';
import { unsynced } from '../fs/unsynced.js';
import { createDeferrals } from '../transaction/deferrals.js';
import { commitSteps, type CommitSteps } from '../transaction/steps.js';
import { defaultTuning, tunedSteps, type CommitTuning } from '../transaction/tuning.js';
import { newTxId } from '../transaction/txId.js';
import type { Backups, RecoveryReport, Store, StoreOptions } from '../types.js';
import { createBackups, retentionAfterCommit } from './backups.js';
import { storeInspection } from './inspect.js';
import { bindJournal } from './journalMarker.js';
import { checkRoot, prepareStateDir, stateError } from './stateDir.js';
import { DEFAULT_LOCK_TIMEOUT_MS, checkBackupPlacement, checkStoreOptions } from './storeOptions.js';
import { closedStore, settleTransactions, storeTransactions } from './transactions.js';
import { storeRepair } from './repair.js';
import { undoTransaction } from './undo.js';
import { storeWatch } from './watch.js';

/** Test-only internals of a store: a replaced protocol step, a fixed clock, fixed ids. */
export interface StoreInternals {
  /** The step table to run, made from the correct one (the crash suite's deliberately broken protocols). */
  readonly steps?: (correct: CommitSteps) => CommitSteps;
  /** Recovery's durable point, made from the correct one (the crash suite's deliberately broken recovery). */
  readonly recoverySteps?: (correct: RecoverySteps) => RecoverySteps;
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Benchmark switches (see `CommitTuning`); absent: the defaults. */
  readonly tuning?: CommitTuning;
}

const contexts = new WeakMap<object, StoreContext>();

/** The internals of a store opened here. Throws a TypeError for anything else. */
export const storeContextOf = (store: Store): StoreContext => {
  const ctx = contexts.get(store);
  if (ctx === undefined) throw new TypeError('not a store opened by openStore');
  return ctx;
};

const openJournal = async (fs: FileSystem, options: StoreOptions, stateDir: string, tuning: CommitTuning): Promise<{ journal: Journal; owned: boolean }> => {
  if (options.journal !== undefined) return { journal: options.journal, owned: false };
  // Loaded only when needed: a store on an injected journal never loads LMDB.
  const { openLmdbJournal } = await import('../journal/lmdb.js');
  try {
    // Durability 'none': LMDB's commits are not fsynced either (a crash of the process loses nothing: the page cache stays).
    const noSync = options.durability === 'none';
    const journal = await openLmdbJournal(path.join(stateDir, 'journal'), noSync ? { noSync } : { overlappingSync: tuning.overlappingSync ?? defaultTuning.overlappingSync });
    // A journal that is missing or empty where the state directory had one is refused (its marker says so).
    await bindJournal(fs, stateDir, journal).catch(async (e: unknown) => {
      await journal.close().catch(() => undefined);
      throw e;
    });
    return { journal, owned: true };
  } catch (e) {
    throw e instanceof TxfsError && e.code === 'EJOURNAL' ? e : stateError(stateDir, e);
  }
};

/**
 * Opens a store with test-only internals (a deliberately broken protocol, a fixed clock or id source).
 * Same errors as `openStore`.
 */
export const openStoreWith = async (options: StoreOptions, internals: StoreInternals): Promise<Store> => {
  // Every option checked (types, ranges, the backup directory's place) before anything is opened or created.
  checkStoreOptions(options);
  const fs = options.fs ?? (await import('../fs/node.js')).nodeFileSystem;
  const root = path.resolve(options.root);
  const rootReal = await checkRoot(fs, root);
  const stateDir = path.resolve(root, options.stateDir ?? '.txfs');
  const backupDir = path.resolve(root, options.backups?.dir ?? path.join(stateDir, 'backups'));
  await checkBackupPlacement(fs, { root, rootReal, stateDir, backupDir });
  const stateDirReal = await prepareStateDir(fs, stateDir, backupDir);
  const { journal, owned } = await openJournal(fs, options, stateDir, internals.tuning ?? {});
  // Every path below the root is resolved beneath a held handle of it from here on (a swapped directory cannot redirect).
  // An injected FileSystem is used as it is: it sees the paths the store names (a simulator or a test's wrapper).
  const confined = options.fs === undefined ? confine(fs, { root, rootReal, alsoWithin: [stateDirReal, await fs.realpath(backupDir)] }) : fs;
  const now = internals.now ?? Date.now;
  const durability = options.durability ?? 'full';
  // Durability 'none': no file or directory is fsynced anywhere (the LMDB journal does not sync either).
  const disk = durability === 'none' ? unsynced(confined) : confined;
  const tuning = internals.tuning ?? {};
  // On a journal of its own, the store's finish records ride on the next commit (`journal/riding.ts`).
  const riding = owned && (tuning.rideFinish ?? defaultTuning.rideFinish) ? ridingJournal(journal, { waitMs: tuning.rideWaitMs ?? defaultTuning.rideWaitMs }) : undefined;
  const env: Env = { fs: disk, journal: riding ?? journal, now, newId: internals.newId ?? (() => newTxId(now())), processes: options.processes ?? journal.processes ?? osProcesses(fs) };
  const correct = tunedSteps({ ...commitSteps, rollBack: rollBackRecord }, tuning);
  const ctx: StoreContext = {
    env, root, rootReal, stateDir, stateDirReal, backupDir,
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    steps: internals.steps?.(correct) ?? correct,
    backupPolicy: options.backups,
    logger: options.logger,
    stuck: new Set(),
    afterCommit: undefined,
    recoverNow: undefined,
    background: owned ? new Set() : undefined,
    durability,
    deferrals: createDeferrals({ inBackground: owned, ...(riding === undefined ? {} : { draining: riding.draining }) }),
    riding,
    ...(internals.tuning === undefined ? {} : { tuning: internals.tuning }),
  };
  let recovery: RecoveryReport = { rolledForward: [], rolledBack: [], tempFilesRemoved: 0, staleLocksBroken: 0, problems: [], durationMs: 0 };
  const recovering = internals.recoverySteps?.(recoverySteps) ?? recoverySteps;
  try {
    if (options.recover !== false) {
      recovery = await recoverStore(ctx, recovering);
      // Backup removals and compression temps that a crash interrupted: their journal records name them.
      await finishPendingRemovals({ env: ctx.env, backupDir: ctx.backupDir });
    }
  } catch (e) {
    if (owned) await journal.close().catch(() => undefined);
    await releaseConfinement(confined).catch(() => undefined);
    throw e;
  }
  ctx.recoverNow = () => recoverStore(ctx, recovering);
  const retention = retentionAfterCommit(ctx);
  ctx.afterCommit = (tuning.coalesceRetention ?? defaultTuning.coalesceRetention) ? coalesceAfterCommit(retention) : retention;

  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw closedStore(ctx.root);
  };
  const transactions = storeTransactions(ctx, ensureOpen);
  // What the backup store reports includes the housekeeping of every commit that resolved before the call.
  const settled = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    await settleBackground(ctx);
    return f(...a);
  };
  const b = createBackups(ctx, transactions.begin);
  const backups: Backups = {
    create: settled(b.create.bind(b)), list: settled(b.list.bind(b)), restore: settled(b.restore.bind(b)),
    verify: settled(b.verify.bind(b)), prune: settled(b.prune.bind(b)), usage: settled(b.usage.bind(b)),
  };
  const store: Store = {
    root: ctx.root,
    recovery,
    ...transactions,
    ...storeInspection(ctx, ensureOpen),
    backups,
    undo: settled((txId: string, o?: Parameters<Store['undo']>[1]) => undoTransaction(ctx, transactions.begin, txId, o)),
    watch: storeWatch(ctx),
    repair: settled(storeRepair(ctx, transactions.begin, ensureOpen)),
    async close() {
      if (closed) return;
      closed = true;
      // Calls already running finish first (commits included); calls made from now on fail with closedStore.
      await settleTransactions(ctx);
      await settleBackground(ctx);
      await releaseConfinement(confined);
      if (owned) await env.journal.close();
    },
  };
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
