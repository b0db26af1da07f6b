/**
 * `store.backups` and the retention run after each commit: the backup store of one open store, on top of its
 * transactions (a restore is a transaction, so it backs up what it replaces and can itself be undone).
 */
import * as path from 'node:path';
import { TxfsError } from '../errors.js';
import { missingParents } from '../ops/missingParents.js';
import { decodeRecord, decodeRecordIfPresent } from '../journal/envelope.js';
import type { Store } from '../types.js';
import type { AfterCommitHook, StoreContext } from '../transaction/context.js';
import { resolveStorePath } from '../transaction/paths.js';
import { syncBackupDirs } from '../transaction/stage.js';
import { decodeTx, openPrefix, txKey } from '../journal/records/txRecord.js';
import type { BackupEntry, BackupPolicy, Backups, TxResult } from '../types.js';
import type { BackupContext } from '../backup/backupContext.js';
import { backupFileName } from '../backup/backupFile.js';
import { keepCopy } from '../backup/keptCopy.js';
import { readManifest } from '../transaction/draft.js';
import { indexBackup, listAllBackupRecords, listBackupRecords, toBackupEntry } from '../backup/backupIndex.js';
import { BackupRecord, backupKey } from '../journal/records/backupRecord.js';
import { finishPendingRemovals, pruneBackups, removeBackups } from './prune.js';
import { pendingRemovalPrefix } from '../journal/records/backupRecord.js';
import { compressBackups } from './compress.js';
import { listHistoryRecords } from './history.js';
import { readIndexedBackup } from '../backup/readIndexedBackup.js';
import { planRetention, type RetentionPolicy } from './retention.js';
import { backupUsage } from './usage.js';
import { verifyBackups } from './verifyBackups.js';

const backupContextOf = (ctx: StoreContext): BackupContext => ({ env: ctx.env, backupDir: ctx.backupDir, ...(ctx.riding === undefined ? {} : { ride: ctx.riding.ride }) });

/** Ids of the store's unfinished transactions (their open markers: no record decoded). */
const runningTxIds = async (ctx: StoreContext): Promise<Set<string>> => new Set((await ctx.env.journal.range(openPrefix)).map((e) => e.key.slice(openPrefix.length)));

/** The backup files that the store's unfinished transactions, or unfinished removals, name. */
const inFlightFiles = async (ctx: StoreContext): Promise<Set<string>> => {
  const { journal } = ctx.env;
  const files = new Set<string>();
  for (const id of await runningTxIds(ctx)) {
    const raw = await journal.get(txKey(id));
    if (raw === undefined) continue;
    for (const op of decodeTx(txKey(id), raw).ops) {
      if (op.backup !== undefined) files.add(op.backup);
      if (op.sourceBackup !== undefined) files.add(op.sourceBackup);
    }
  }
  for (const e of await journal.range(pendingRemovalPrefix)) files.add(decodeRecord(e.key, e.value, BackupRecord).file);
  return files;
};

const retentionPolicy = (ctx: StoreContext, inUse: ReadonlySet<string>, given?: BackupPolicy): RetentionPolicy => ({ ...(ctx.backupPolicy ?? {}), ...(given ?? {}), inUse });

/** Carries out retention for `records` (removals, then compressions; a backup gone meanwhile is skipped). */
const applyRetention = async (ctx: StoreContext, records: readonly BackupRecord[], inUse: ReadonlySet<string>, given?: BackupPolicy): Promise<void> => {
  const bctx = backupContextOf(ctx);
  const plan = planRetention(records, retentionPolicy(ctx, inUse, given), ctx.env.now());
  await removeBackups(bctx, plan.remove);
  await compressBackups(bctx, plan.compress);
};

/** True for a backup a default restore may pick: an earlier version, intact when it was taken. */
export const isDefaultPick = (r: BackupRecord): boolean => r.damaged !== true && r.reason !== 'current';

/**
 * The backup of `rel` called for: the one with the given id, or by default the newest earlier version that was intact
 * when it was taken — never a `damaged` one (a copy of corrupted or foreign content), never the kept copy of the
 * current version.
 * @throws TxfsError ENOENT when the file has no such backup (the message says when only damaged ones are kept).
 */
export const findBackup = async (ctx: StoreContext, rel: string, which?: BackupEntry | string): Promise<BackupRecord> => {
  const records = await listHistoryRecords(ctx.env, rel);
  const id = which === undefined ? undefined : typeof which === 'string' ? which : which.id;
  const rec = id === undefined ? records.find(isDefaultPick) : records.find((r) => r.id === id);
  if (rec !== undefined) return rec;
  const damaged = records.filter((r) => r.damaged === true);
  const list = `see its backups with \`txfs backups list ${rel}\``;
  throw new TxfsError(
    'ENOENT',
    id !== undefined
      ? `ENOENT: ${rel} has no backup ${id}; ${list}`
      : damaged.length > 0
        ? `ENOENT: ${rel} has no intact backup: its ${damaged.length} damaged backup(s) (${damaged.map((r) => r.id).join(', ')}) hold content the store did not write, and are restored only when named; ${list}`
        : `ENOENT: ${rel} has no backups`,
    { path: rel },
  );
};

/**
 * Restores `rec` to `toRel` as a transaction labelled `label`: the content is read back and checked against its
 * SHA-256 while it is staged (EINTEGRITY before anything is replaced), and the current file is backed up.
 */
export const restoreRecord = async (ctx: StoreContext, begin: Store['begin'], rec: BackupRecord, toRel: string, label: string): Promise<TxResult<void>> => {
  const tx = begin({ label });
  for (const d of await missingParents(ctx.env.fs, ctx.root, toRel)) tx.mkdir(d);
  const result = await tx.writeFile(toRel, readIndexedBackup(backupContextOf(ctx), rec)).commit();
  // The version the restore replaced is kept as any replaced version is; note why (informational: not flushed).
  const made = result.files.flatMap((f) => (f.backup === undefined ? [] : [f.backup]));
  await ctx.env.journal.transact((txn) => {
    for (const b of made) {
      const key = backupKey(b.path, b.id);
      const current = decodeRecordIfPresent(key, txn.get(key), BackupRecord);
      if (current !== undefined) indexBackup(txn, { ...current, reason: 'restored' });
    }
  });
  return result;
};

/**
 * A manual backup of `rel` as it is now: a copy (a clone where the filesystem can; never a hard link, which an
 * in-place edit of the live file would change), fsynced, hashed from the copy, indexed durably — `damaged` when it
 * does not hold what the store last wrote there.
 */
const createManual = async (ctx: StoreContext, given: string): Promise<BackupEntry> => {
  const { fs, journal } = ctx.env;
  const { rel, abs } = await resolveStorePath(fs, ctx, given);
  const st = await fs.stat(abs);
  if (st.kind !== 'file') throw new TxfsError(st.kind === 'directory' ? 'EISDIR' : 'EINVAL', `cannot back up ${rel}: it is a ${st.kind}, not a file`, { path: rel });
  const id = ctx.env.newId();
  const now = ctx.env.now();
  const file = backupFileName(rel, id, now);
  const to = path.join(ctx.backupDir, ...file.split('/'));
  const { sha256, size } = await keepCopy(fs, abs, to, { what: rel });
  try {
    const m = await readManifest(ctx, rel);
    const damaged = m !== undefined && (m.sha256 !== sha256 || m.size !== size);
    const rec: BackupRecord = { v: 1, id, path: rel, file, createdAt: now, size, sha256, compressed: false, reason: 'manual', ...(damaged ? { damaged } : {}) };
    await syncBackupDirs(ctx, [to]);
    await journal.transact((txn) => indexBackup(txn, rec));
    await journal.flush();
    return toBackupEntry(rec, ctx.backupDir);
  } catch (e) {
    await fs.unlink(to).catch(() => undefined);
    throw e;
  }
};

/**
 * The `store.backups` object of the store of `ctx`.
 * Errors: EOUTSIDE (a path outside the root), ENOENT (no such file or backup), EINTEGRITY (a corrupted backup
 * on restore), EJOURNAL, and OS errors (ENOSPC, EIO, …).
 * @example const entries = await store.backups.list('report.xml');
 */
export const createBackups = (ctx: StoreContext, begin: Store['begin']): Backups => ({
  create: (given) => createManual(ctx, given),
  async list(given) {
    const { rel } = await resolveStorePath(ctx.env.fs, ctx, given);
    return (await listHistoryRecords(ctx.env, rel)).map((r) => toBackupEntry(r, ctx.backupDir));
  },
  async restore(given, options = {}) {
    const { rel } = await resolveStorePath(ctx.env.fs, ctx, given);
    const rec = await findBackup(ctx, rel, options.backup);
    const to = options.to === undefined ? rel : (await resolveStorePath(ctx.env.fs, ctx, options.to)).rel;
    // A label is bounded (`MAX_LABEL_LENGTH`), a path nearly twice as long: the label names a long one by its end.
    const shown = rel.length > 200 ? `…${rel.slice(-200)}` : rel;
    return restoreRecord(ctx, begin, rec, to, `restore ${shown} from backup ${rec.id}`);
  },
  async verify(options = {}) {
    return verifyBackups(backupContextOf(ctx), { inFlight: () => inFlightFiles(ctx), ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
  },
  async prune() {
    const r = await pruneBackups(backupContextOf(ctx), retentionPolicy(ctx, await runningTxIds(ctx)));
    return { removed: r.removed, freedBytes: r.freedBytes };
  },
  usage: () => backupUsage(backupContextOf(ctx)),
});

/**
 * The retention run after each commit: for the files the transaction touched (the whole store when `maxBytes`
 * is set), removes and compresses what the policy says. Runs one at a time per store.
 * @throws TxfsError EJOURNAL, ENOSPC, EIO … (the committer logs them: the commit itself stands).
 */
export const retentionAfterCommit = (ctx: StoreContext): AfterCommitHook => {
  let queue: Promise<void> = Promise.resolve();
  return (_txId, rels, policies) => {
    const run = async (): Promise<void> => {
      // A file whose call gave a policy of its own has it applied now (the store's for the rest, and for later commits).
      for (const [rel, given] of policies ?? []) {
        const mine = await listBackupRecords(ctx.env, rel);
        if (mine.length > 0) await applyRetention(ctx, mine, await runningTxIds(ctx), given);
      }
      const global = ctx.backupPolicy?.maxBytes !== undefined;
      if (global) await finishPendingRemovals(backupContextOf(ctx));
      const records = global ? await listAllBackupRecords(ctx.env) : (await Promise.all([...new Set(rels)].map((rel) => listBackupRecords(ctx.env, rel)))).flat();
      // Transactions in flight can only shrink a plan: look them up only when there is something to do.
      const rough = planRetention(records, retentionPolicy(ctx, new Set()), ctx.env.now());
      if (rough.remove.length === 0 && rough.compress.length === 0) return;
      await applyRetention(ctx, records, await runningTxIds(ctx));
    };
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };
};
