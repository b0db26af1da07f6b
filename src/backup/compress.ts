/**
 * Gzipping an old backup, crash-safely: the index never names a file that is not complete and durable on disk.
 * Order: stage `<file>.gz` in a temp (O_EXCL, fdatasync), rename it in, fsync the directory, switch the index
 * entry (durably), and only then unlink the uncompressed file. A crash in between leaves at worst a file the
 * index does not name, which `verifyBackups` reports as `unindexed`.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { TxfsError, fromOsError, hasCode } from '../errors.js';
import { decodeRecordIfPresent } from '../journal/record.js';
import { stageFile } from '../ops/stageFile.js';
import { tempName } from '../ops/tempName.js';
import type { BackupContext } from './backupContext.js';
import { BackupRecord, backupKey, indexBackup } from './backupIndex.js';
import { BACKUP_CHUNK } from './readBackup.js';

/** The original bytes of an uncompressed backup, checked against the index on the way through. */
async function* verifiedSource(ctx: BackupContext, rec: BackupRecord, file: string): AsyncGenerator<Uint8Array, void, undefined> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of ctx.env.fs.readStream(file, { chunkSize: BACKUP_CHUNK })) {
    hash.update(chunk);
    size += chunk.byteLength;
    yield chunk;
  }
  const actual = hash.digest('hex');
  if (actual !== rec.sha256 || size !== rec.size) {
    throw new TxfsError('EINTEGRITY', `EINTEGRITY: the backup of ${rec.path} (${rec.id}) is corrupted (sha256 ${actual}, expected ${rec.sha256}); not compressing it`, {
      path: file,
    });
  }
}

const removeQuietly = async (ctx: BackupContext, file: string): Promise<void> => {
  try {
    await ctx.env.fs.unlink(file);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
  }
};

/**
 * Gzips the backup `rec` and returns its updated index record (`compressed`, `file` ending in `.gz`, `storedSize`).
 * Its content is verified against the index while it is compressed. On failure the original backup and its index
 * entry are untouched and no temp file is left.
 * @throws TxfsError EINTEGRITY (the backup is already corrupted), ENOENT (the backup file, or its index entry, is gone),
 *   EJOURNAL, ENOSPC, EIO … ; TypeError when `rec` is already compressed.
 */
export const compressBackup = async (ctx: BackupContext, rec: BackupRecord): Promise<BackupRecord> => {
  if (rec.compressed) throw new TypeError(`compressBackup: backup ${rec.id} is already compressed`);
  const { fs, journal } = ctx.env;
  const file = path.join(ctx.backupDir, rec.file);
  const gzFile = `${rec.file}.gz`;
  const gzAbs = path.join(ctx.backupDir, gzFile);
  const st = await fs.stat(file);
  // A fresh id per attempt: a temp left by a crashed attempt never blocks the next one (verify reports it).
  const temp = tempName(gzAbs, ctx.env.newId().replace(/[./]/g, '_'), 0);
  const gzipped = pipeline(Readable.from(verifiedSource(ctx, rec, file)), createGzip(), () => undefined);
  let staged: { size: number };
  try {
    staged = await stageFile(fs, temp, gzipped as AsyncIterable<Uint8Array>, { mode: st.mode & 0o7777 });
  } finally {
    gzipped.destroy();
  }
  try {
    await fs.rename(temp, gzAbs);
  } catch (e) {
    await removeQuietly(ctx, temp).catch(() => undefined);
    throw fromOsError(e, temp, 'rename');
  }
  await fs.syncDir(path.dirname(gzAbs));

  const key = backupKey(rec.path, rec.id);
  const next: BackupRecord = { ...rec, file: gzFile, compressed: true, storedSize: staged.size };
  const switched = await journal.transact((txn): 'switched' | 'gone' | 'changed' => {
    const current = decodeRecordIfPresent(key, txn.get(key), BackupRecord);
    if (current === undefined) return 'gone';
    if (current.file !== rec.file) return 'changed';
    indexBackup(txn, next);
    return 'switched';
  });
  if (switched !== 'switched') {
    // Removed while we compressed: the .gz is nobody's. Compressed by someone else meanwhile: the .gz is theirs
    // (the same bytes, now ours through the rename) and the index names it, so it stays.
    if (switched === 'gone') await removeQuietly(ctx, gzAbs);
    throw new TxfsError('ENOENT', `ENOENT: the backup of ${rec.path} (${rec.id}) was removed or compressed by someone else while it was being compressed`, { path: file });
  }
  // The old file may go only once the index naming the .gz is on disk.
  await journal.flush();
  await removeQuietly(ctx, file);
  return next;
};
