/**
 * Writing a sidecar checksum file `<path>.sha256` (sha256sum's format) atomically, beside its file.
 */
import { dirname } from 'node:path';
import type { FileSystem } from '../fs/fileSystem.js';
import { checksumFilePath, checksumLine } from '../integrity/sidecar.js';
import { replaceSmallFile } from './replaceSmallFile.js';

/**
 * Writes `<path>.sha256` for `sha256` atomically (temp file, fdatasync, rename, directory fsync; `sync: false` skips the fsyncs).
 * Errors name the sidecar.
 * @throws TxfsError ENOSPC, EACCES, EROFS, EISDIR, EIO … from the file system.
 */
export const writeChecksumFile = async (fs: FileSystem, path: string, sha256: string, options: { readonly sync?: boolean } = {}): Promise<void> => {
  const sidecar = checksumFilePath(path);
  const sync = options.sync !== false;
  await replaceSmallFile(fs, sidecar, checksumLine(path, sha256), { sync });
  if (sync) await fs.syncDir(dirname(sidecar));
};
