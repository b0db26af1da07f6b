/**
 * How much the backup store holds, from the index alone (no directory walk).
 */
import type { BackupContext } from '../backup/backupContext.js';
import { listAllBackupRecords, storedBytes } from '../backup/backupIndex.js';

/** What the backup store holds. */
export interface BackupUsage {
  /** Distinct files that have at least one backup. */
  readonly files: number;
  readonly backups: number;
  /** Bytes on disk taken by all backups (what `maxBytes` bounds). */
  readonly bytes: number;
  /** The part of `bytes` taken by gzipped backups. */
  readonly compressedBytes: number;
}

/**
 * Counts files, backups and bytes on disk in the backup store, as the index records them.
 * @throws TxfsError EJOURNAL when an index entry cannot be decoded.
 * @example const { backups, bytes } = await backupUsage(ctx);
 */
export const backupUsage = async (ctx: Pick<BackupContext, 'env'>): Promise<BackupUsage> => {
  const records = await listAllBackupRecords(ctx.env);
  let bytes = 0;
  let compressedBytes = 0;
  for (const r of records) {
    bytes += storedBytes(r);
    if (r.compressed) compressedBytes += storedBytes(r);
  }
  return { files: new Set(records.map((r) => r.path)).size, backups: records.length, bytes, compressedBytes };
};
