/**
 * Writing a sidecar checksum file `<path>.sha256` (sha256sum's format) atomically, beside its file.
 */
import { dirname } from 'node:path';
import type { FileSystem } from '../fs/fileSystem.js';
import { checksumFilePath, checksumLine } from '../integrity/sidecar.js';
import { newFileMode } from './fileMode.js';
import { localId } from './localId.js';
import { stageFile } from './stageFile.js';
import { tempName } from './tempName.js';

/**
 * Writes `<path>.sha256` for `sha256` atomically (temp file, fdatasync, rename, directory fsync; `sync: false` skips the fsyncs).
 * @throws TxfsError ENOSPC, EACCES, EROFS, EIO … from the file system.
 */
export const writeChecksumFile = async (fs: FileSystem, path: string, sha256: string, options: { readonly sync?: boolean } = {}): Promise<void> => {
  const sidecar = checksumFilePath(path);
  const sync = options.sync !== false;
  const staged = await stageFile(fs, tempName(sidecar, localId(), 0), checksumLine(path, sha256), { mode: newFileMode(), sync });
  try {
    await fs.rename(staged.tempPath, sidecar);
  } catch (e) {
    await fs.unlink(staged.tempPath).catch(() => undefined);
    throw e;
  }
  if (sync) await fs.syncDir(dirname(sidecar));
};

