/**
 * Carrying out the retention plan. Removing a backup takes two steps that cannot be one atomic act — the index
 * entry and the file — so the journal holds the intent between them: one journal transaction swaps the index
 * entry for a `backup-gc/<id>` record (made durable), then the file is unlinked, then the record goes. A crash in
 * between leaves a record that the next prune (or `finishPendingRemovals` on open) completes. The index never
 * names a missing file, and no removed backup is left behind as litter.
 */
import * as path from 'node:path';
import { hasCode } from '../errors.js';
import { decodeRecord, decodeRecordIfPresent, encodeRecord } from '../journal/record.js';
import type { BackupContext } from './backupContext.js';
import { BackupRecord, backupKey, listAllBackupRecords, storedBytes } from './backupIndex.js';
import { compressBackups } from './compress.js';
import { planRetention, type RetentionPolicy } from './retention.js';

/** Prefix of the records of backups being removed. */
export const pendingRemovalPrefix = 'backup-gc/';

const pendingKey = (rec: BackupRecord): string => `${pendingRemovalPrefix}${rec.id}`;

/** What a prune did. */
export interface PruneResult {
  readonly removed: number;
  /** Bytes on disk given back: removed backups plus what compression saved. */
  readonly freedBytes: number;
  readonly compressed: number;
}

const unlinkIfPresent = async (ctx: BackupContext, rec: BackupRecord): Promise<void> => {
  try {
    await ctx.env.fs.unlink(path.join(ctx.backupDir, rec.file));
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
  }
};

/** Unlinks the files of `recs` (already out of the index) and drops their pending-removal records. */
const unlinkPending = async (ctx: BackupContext, recs: readonly BackupRecord[]): Promise<void> => {
  await Promise.all(recs.map((rec) => unlinkIfPresent(ctx, rec)));
  if (recs.length === 0) return;
  // No flush: should this be lost, the next prune unlinks again and meets ENOENT.
  await ctx.env.journal.transact((txn) => {
    for (const rec of recs) txn.remove(pendingKey(rec));
  });
};

/**
 * Completes backup removals that a crash interrupted (their index entries already gone, their files maybe not).
 * Returns how many it completed.
 * @throws TxfsError EJOURNAL (a pending record cannot be decoded), EIO/EACCES … while unlinking.
 */
export const finishPendingRemovals = async (ctx: BackupContext): Promise<number> => {
  const entries = await ctx.env.journal.range(pendingRemovalPrefix);
  const recs = entries.map((e) => decodeRecord(e.key, e.value, BackupRecord));
  await unlinkPending(ctx, recs);
  return recs.length;
};

/**
 * Removes the given backups: out of the index (durably, with a pending-removal record), then off the disk.
 * A backup no longer in the index (removed meanwhile) is skipped. Returns the backups actually removed.
 * @throws TxfsError EJOURNAL, EIO/EACCES … ; on failure after the journal step, the next prune finishes the job.
 */
export const removeBackups = async (ctx: BackupContext, recs: readonly BackupRecord[]): Promise<BackupRecord[]> => {
  if (recs.length === 0) return [];
  const taken = await ctx.env.journal.transact((txn) => {
    const out: BackupRecord[] = [];
    for (const rec of recs) {
      const key = backupKey(rec.path, rec.id);
      const current = decodeRecordIfPresent(key, txn.get(key), BackupRecord);
      if (current === undefined) continue;
      txn.remove(key);
      txn.put(pendingKey(current), encodeRecord(pendingKey(current), BackupRecord, current));
      out.push(current);
    }
    return out;
  });
  await ctx.env.journal.flush();
  await unlinkPending(ctx, taken);
  return taken;
};

/**
 * Applies the retention policy to the whole backup store: finishes interrupted removals, removes what
 * `planRetention` says (never the newest backup of a file, never a backup of a transaction in `policy.inUse`),
 * then gzips what it says. Removal comes first, so that compression has room to work on a full disk.
 * @throws TxfsError EJOURNAL, ENOSPC, EIO … (a compression that fails leaves its backup as it was).
 * @example const { removed, freedBytes } = await pruneBackups(ctx, { keep: 5, inUse: new Set(runningTxIds) });
 */
export const pruneBackups = async (ctx: BackupContext, policy: RetentionPolicy): Promise<PruneResult> => {
  await finishPendingRemovals(ctx);
  const plan = planRetention(await listAllBackupRecords(ctx.env), policy, ctx.env.now());
  const removed = await removeBackups(ctx, plan.remove);
  let freedBytes = removed.reduce((sum, r) => sum + storedBytes(r), 0);
  const { compressed } = await compressBackups(ctx, plan.compress);
  for (const after of compressed) freedBytes += after.size - storedBytes(after);
  return { removed: removed.length, freedBytes, compressed: compressed.length };
};
