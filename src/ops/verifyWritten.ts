/**
 * The `verify` step of an atomic write.
 */
import { TxfsError } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { hashFile } from '../integrity/sha256.js';
import type { WriteOptions } from '../types.js';
import type { StagedFile } from './stageFile.js';

/**
 * Checks the file now at `dest` against what was staged: 'none' and 'checksum' cost nothing (the hash was computed while
 * writing), 'size' stats the file, 'readback' re-reads and re-hashes it.
 * @throws TxfsError EINTEGRITY on a mismatch; ENOENT, EIO … from the file system.
 */
export const verifyWritten = async (fs: FileSystem, dest: string, staged: StagedFile, how: NonNullable<WriteOptions['verify']>): Promise<void> => {
  if (how === 'size') {
    const { size } = await fs.stat(dest);
    if (size !== staged.size) {
      throw new TxfsError('EINTEGRITY', `EINTEGRITY: ${dest} has ${size} bytes after writing ${staged.size}; the disk or another writer changed it`, { path: dest });
    }
  } else if (how === 'readback') {
    const actual = await hashFile(fs, dest);
    if (actual !== staged.sha256) {
      throw new TxfsError('EINTEGRITY', `EINTEGRITY: ${dest} reads back as sha256 ${actual}, written as ${staged.sha256}; the disk or another writer changed it`, { path: dest });
    }
  }
};
