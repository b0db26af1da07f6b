/**
 * Reading a backup back: the original bytes (gunzipped when the backup is compressed), checked against the
 * SHA-256 and size the index recorded.
 */
import { createHash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TxfsError, fromOsError } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import type { BackupEntry } from '../types.js';

/** What reading a backup needs to know about it (a `BackupEntry` has it all). */
export type BackupSource = Pick<BackupEntry, 'id' | 'path' | 'file' | 'size' | 'sha256' | 'compressed'>;

/** Chunks of 1 MiB: a tenth of the thread-pool round trips of 64 KiB ones, still constant memory. */
export const BACKUP_CHUNK = 1024 * 1024;

/** A zlib error means the stored bytes are not the gzip stream that was written. */
const isZlibError = (e: unknown): boolean => {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('Z_');
};

/**
 * The content of the backup file `file` as stored, gunzipped when `compressed`, without any check.
 * @throws TxfsError ENOENT, EIO … from the file system; EINTEGRITY when a compressed file is not valid gzip.
 */
export async function* backupContent(fs: FileSystem, file: string, compressed: boolean): AsyncGenerator<Uint8Array, void, undefined> {
  if (!compressed) {
    yield* fs.readStream(file, { chunkSize: BACKUP_CHUNK });
    return;
  }
  const gunzip = pipeline(Readable.from(fs.readStream(file, { chunkSize: BACKUP_CHUNK })), createGunzip({ chunkSize: 256 * 1024 }), () => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (e) {
    if (isZlibError(e)) {
      throw new TxfsError('EINTEGRITY', `EINTEGRITY: the compressed backup ${file} is damaged (${e instanceof Error ? e.message : String(e)})`, {
        path: file,
        cause: e,
      });
    }
    throw fromOsError(e, file, 'read');
  } finally {
    gunzip.destroy();
  }
}

/** The SHA-256 and size of a backup's original content. Errors as `backupContent`. */
export const hashBackup = async (fs: FileSystem, file: string, compressed: boolean): Promise<{ sha256: string; size: number }> => {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of backupContent(fs, file, compressed)) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
};

/**
 * Streams the original content of a backup, in constant memory, verifying it against its recorded SHA-256 and size:
 * the iteration throws `EINTEGRITY` after the last chunk when they differ, so a consumer that stages the content
 * (a restore) fails before anything is replaced. Treat the bytes as unverified until the iteration ends.
 * @throws TxfsError EINTEGRITY (corrupted or damaged backup), ENOENT (backup file gone), EIO … from the file system.
 * @example for await (const chunk of readBackup(fs, entry)) out.push(chunk);
 */
export async function* readBackup(fs: FileSystem, backup: BackupSource): AsyncGenerator<Uint8Array, void, undefined> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of backupContent(fs, backup.file, backup.compressed)) {
    hash.update(chunk);
    size += chunk.byteLength;
    yield chunk;
  }
  const actual = hash.digest('hex');
  if (actual !== backup.sha256 || size !== backup.size) {
    throw new TxfsError(
      'EINTEGRITY',
      `EINTEGRITY: the backup of ${backup.path} (${backup.id}) is corrupted: expected ${backup.size} bytes with sha256 ${backup.sha256}, ` +
        `found ${size} bytes with sha256 ${actual}; choose another backup`,
      { path: backup.file },
    );
  }
}
