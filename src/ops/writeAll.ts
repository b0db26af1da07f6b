/**
 * Writes a whole buffer, looping over short writes.
 */
import { TxfsError } from '../errors.js';
import type { FileHandle } from '../fs/fileSystem.js';
import type { SyncFileHandle } from '../fs/syncFileSystem.js';

/**
 * Writes every byte of `bytes` at the handle's current position. A short write is not an error to ignore:
 * the rest is written by the next call. A write that makes no progress at all is ENOSPC (what POSIX means by it).
 * @throws TxfsError ENOSPC, EIO, EDQUOT … from the file system.
 */
export const writeAll = async (fh: FileHandle, bytes: Uint8Array, path: string): Promise<void> => {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const n = await fh.write(bytes, offset, bytes.byteLength - offset, null);
    if (n <= 0) throw noProgressError(path);
    offset += n;
  }
};

/** The error of a write that wrote nothing at all: ENOSPC, as POSIX means it (the synchronous write loops by this rule too). */
export const noProgressError = (path: string): TxfsError =>
  new TxfsError('ENOSPC', `ENOSPC: the disk is full: free some space and try again (write ${path}: no byte could be written)`, { path, syscall: 'write' });

/**
 * `writeAll`, synchronously: every byte of `bytes` through `fh`, each short write continued, no progress at all ENOSPC.
 * @throws TxfsError ENOSPC, EIO, EDQUOT, EFBIG … from the file system.
 */
export const writeAllSync = (fh: SyncFileHandle, bytes: Uint8Array, path: string): void => {
  for (let offset = 0, n = 0; offset < bytes.byteLength; offset += n) {
    n = fh.write(bytes, offset, bytes.byteLength - offset, null);
    if (n <= 0) throw noProgressError(path);
  }
};
