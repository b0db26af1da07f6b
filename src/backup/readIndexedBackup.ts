/**
 * Reading a backup found in the index a moment ago: retention may gzip it in between (another process, or the
 * housekeeping of a commit that just resolved), switching the index to `<file>.gz` and removing the original.
 */
import { hasCode } from '../errors.js';
import type { BackupContext } from './backupContext.js';
import { listBackupRecords, toBackupEntry } from './backupIndex.js';
import { type BackupRecord } from '../journal/records/backupRecord.js';
import { readBackup } from './readBackup.js';

/**
 * Streams the original content of `rec` as `readBackup` does (verified against its SHA-256), and when its file is
 * gone before the first byte, looks the backup up again and follows it to the file the index names now.
 * @throws TxfsError ENOENT (the backup was removed meanwhile, or its file is lost), EINTEGRITY, EJOURNAL, EIO …
 * @example tx.writeFile(rel, readIndexedBackup(ctx, rec));
 */
export async function* readIndexedBackup(ctx: BackupContext, rec: BackupRecord): AsyncGenerator<Uint8Array, void, undefined> {
  let current = rec;
  // The file of a backup changes once at most (when it is gzipped): two attempts suffice, a third guards a loop.
  for (let attempt = 0; ; attempt++) {
    let started = false;
    try {
      for await (const chunk of readBackup(ctx.env.fs, toBackupEntry(current, ctx.backupDir))) {
        started = true;
        yield chunk;
      }
      return;
    } catch (e) {
      if (started || attempt >= 2 || !hasCode(e, 'ENOENT')) throw e;
      const now = (await listBackupRecords(ctx.env, current.path)).find((r) => r.id === current.id);
      if (now === undefined || now.file === current.file) throw e;
      current = now;
    }
  }
}
