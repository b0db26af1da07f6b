/**
 * Files of the backup store that must not outlive an interrupted operation: backups being removed (already out
 * of the index) and the temp files of compressions. Each is named by a durable `backup-gc/<id>` record *before*
 * the step that makes it litter, so a crash leaves a record that the next prune, or the next open of the store,
 * completes — nothing is ever guessed from a name pattern.
 */
import * as path from 'node:path';
import { hasCode } from '../errors.js';
import type { JournalTxn } from '../journal/journal.js';
import type { BackupContext } from './backupContext.js';
import { listBackupRecords } from './backupIndex.js';
import { decodePendingRemoval, encodeBackup, pendingKey, pendingRemovalPrefix, type BackupRecord } from '../journal/records/backupRecord.js';
import { unlinkIfPresent } from '../fs/unlinkIfPresent.js';

/** Records, inside a journal transaction, that the file of `rec` (relative to the backup dir) is to be removed. */
export const recordPendingRemoval = (txn: JournalTxn, rec: BackupRecord): void => {
  txn.put(pendingKey(rec), encodeBackup(pendingKey(rec), rec));
};

/**
 * Unlinks the files of `unlink`, makes the unlinks durable, then drops the pending-removal records of `drop` — in
 * that order, so that a record is never gone while its file could still come back after a crash.
 */
const unlinkThenDrop = async (ctx: BackupContext, unlink: readonly BackupRecord[], drop: readonly BackupRecord[]): Promise<void> => {
  if (drop.length === 0) return;
  await Promise.all(unlink.map((rec) => unlinkIfPresent(ctx.env.fs, path.join(ctx.backupDir, rec.file))));
  const dirs = new Set(drop.map((rec) => path.dirname(path.join(ctx.backupDir, rec.file))));
  await Promise.all([...dirs].map((d) => ctx.env.fs.syncDir(d).catch((e: unknown) => (hasCode(e, 'ENOENT') ? undefined : Promise.reject(e as Error)))));
  // No flush, nor a commit of its own where it can ride on the next: should this be lost, the next prune (or open)
  // unlinks again and meets ENOENT.
  const remove = (txn: JournalTxn): void => {
    for (const rec of drop) txn.remove(pendingKey(rec));
  };
  await (ctx.ride === undefined ? ctx.env.journal.transact(remove) : ctx.ride(remove));
};

/**
 * Unlinks the files of `recs`, makes the unlinks durable, then drops their pending-removal records, for records
 * of any origin (a crash, a compression, a superseded kept copy): only the files that a record still names and no
 * index entry names are unlinked.
 * @throws TxfsError EIO/EACCES … while unlinking or syncing; EJOURNAL.
 */
export const unlinkPending = async (ctx: BackupContext, recs: readonly BackupRecord[]): Promise<void> => {
  if (recs.length === 0) return;
  // A file the index names is a backup, whatever a pending record says (a concurrent compression of the same
  // backup may have switched the index to the `.gz` name this record was guarding): it is never unlinked here.
  const indexed = new Set<string>();
  for (const rel of new Set(recs.map((rec) => rec.path))) for (const r of await listBackupRecords(ctx.env, rel)) indexed.add(r.file);
  // Only what the journal names is removed: a record already dropped (its operation completed) protects nothing.
  const named = await Promise.all(recs.map(async (rec) => (await ctx.env.journal.get(pendingKey(rec))) !== undefined));
  await unlinkThenDrop(ctx, recs.filter((rec, i) => named[i] === true && !indexed.has(rec.file)), recs);
};

/**
 * Removes the files of backups that the caller's journal transaction has just taken out of the index, swapping
 * each entry for its pending-removal record (`removeBackups`), then drops those records. Neither of
 * `unlinkPending`'s lookups is needed for them: nothing indexes a file again once it has left the index (a backup's
 * file is named after its id, a compression indexes a new `.gz` name and never re-indexes a removed backup), so no
 * index entry can name one; and a record dropped meanwhile by another process finishing the same removal only
 * means its file is gone already (ENOENT, ignored).
 * @throws TxfsError EIO/EACCES … while unlinking or syncing; EJOURNAL.
 */
export const unlinkSwapped = (ctx: BackupContext, recs: readonly BackupRecord[]): Promise<void> => unlinkThenDrop(ctx, recs, recs);

/**
 * Completes removals that a crash interrupted (backups already out of the index, compression temps).
 * Returns how many it completed.
 * @throws TxfsError EJOURNAL (a pending record cannot be decoded), EIO/EACCES … while unlinking.
 */
export const finishPendingRemovals = async (ctx: BackupContext): Promise<number> => {
  const entries = await ctx.env.journal.range(pendingRemovalPrefix);
  const recs = entries.map((e) => decodePendingRemoval(e.key, e.value));
  await unlinkPending(ctx, recs);
  return recs.length;
};
