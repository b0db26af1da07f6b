/**
 * The `verify` step of an atomic write: the fsynced temp file is checked before the rename, so that a mismatch leaves
 * the target as it was.
 */
import { TxfsError } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { hashFile } from '../integrity/sha256.js';
import type { WriteOptions } from '../types.js';
import { namingTarget, type StagedFile } from './stageFile.js';

/**
 * Checks the staged temp file against what was written, for the user's file `target`: 'none' and 'checksum' cost
 * nothing (the hash was computed while writing), 'size' stats the temp, 'readback' re-reads and re-hashes it.
 * @throws TxfsError EINTEGRITY naming `target` on a mismatch; EIO … from the file system (naming `target`).
 */
export const verifyWritten = async (fs: FileSystem, staged: StagedFile, how: NonNullable<WriteOptions['verify']>, target: string): Promise<void> => {
  const mismatch = (what: string): TxfsError =>
    new TxfsError('EINTEGRITY', `EINTEGRITY: the new content of ${target} ${what}; the disk changed it, and nothing was replaced`, { path: target });
  try {
    if (how === 'size') {
      const { size } = await fs.stat(staged.tempPath);
      if (size !== staged.size) throw mismatch(`has ${size} bytes on disk after writing ${staged.size}`);
    } else if (how === 'readback') {
      const actual = await hashFile(fs, staged.tempPath);
      if (actual !== staged.sha256) throw mismatch(`reads back as sha256 ${actual}, written as ${staged.sha256}`);
    }
  } catch (e) {
    throw namingTarget(e, target, staged.tempPath);
  }
};
