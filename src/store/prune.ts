/**
 * Carrying out the retention plan. Removing a backup takes two steps that cannot be one atomic act — the index
 * entry and the file — so the journal holds the intent between them: one journal transaction swaps the index
 * entry for a `backup-gc/<id>` record (made durable), then the file is unlinked, then the record goes. A crash in
 * between leaves a record that the next prune (or `finishPendingRemovals` on open) completes. The index never
 * names a missing file, and no removed backup is left behind as litter.
 */
import { decodeRecordIfPresent } from '../journal/envelope.js';
import type { JournalTxn } from '../journal/journal.js';
import type { BackupContext } from '../backup/backupContext.js';
import { listAllBackupRecords, storedBytes } from '../backup/backupIndex.js';
import { BackupRecord, backupKey } from '../journal/records/backupRecord.js';
import { compressBackups } from './compress.js';
import { finishPendingRemovals, recordPendingRemoval, unlinkSwapped } from '../backup/pendingRemoval.js';
import { planRetention, type RetentionPolicy } from './retention.js';

export { finishPendingRemovals } from '../backup/pendingRemoval.js';
export { pendingRemovalPrefix } from '../journal/records/backupRecord.js';

/** What a prune did. */
export interface PruneResult {
  readonly removed: number;
  /** Bytes on disk given back: removed backups plus what compression saved. */
  readonly freedBytes: number;
  readonly compressed: number;
}

/**
 * Removes the given backups: out of the index (durably, with a pending-removal record), then off the disk.
 * A backup no longer in the index (removed meanwhile) is skipped. Returns the backups actually removed.
 * @throws TxfsError EJOURNAL, EIO/EACCES … ; on failure after the journal step, the next prune finishes the job.
 */
export const removeBackups = async (ctx: BackupContext, recs: readonly BackupRecord[]): Promise<BackupRecord[]> => {
  if (recs.length === 0) return [];
  const swap = (txn: JournalTxn): BackupRecord[] => {
    const out: BackupRecord[] = [];
    for (const rec of recs) {
      const key = backupKey(rec.path, rec.id);
      const current = decodeRecordIfPresent(key, txn.get(key), BackupRecord);
      if (current === undefined) continue;
      txn.remove(key);
      recordPendingRemoval(txn, current);
      out.push(current);
    }
    return out;
  };
  // Riding on the next commit where it can (a transaction's intent, most often), instead of a commit of its own that
  // the next intent would wait behind; nothing is unlinked before that commit is durable.
  const taken = await (ctx.ride === undefined ? ctx.env.journal.transact(swap) : ctx.ride(swap));
  await ctx.env.journal.flush();
  await unlinkSwapped(ctx, taken);
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
