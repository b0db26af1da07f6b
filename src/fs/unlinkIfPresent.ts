/**
 * Unlinking a file that may already be gone (removed by an earlier, interrupted run of the same step, or by another
 * process): ENOENT is not an error here, every other errno is.
 */
import { hasCode } from '../errors.js';
import type { FileSystem } from './fileSystem.js';

/** Unlinks `path`; true when it was there, false when it was already gone. Rejects with any other OS error. */
export const unlinkIfPresent = async (fs: FileSystem, path: string): Promise<boolean> => {
  try {
    await fs.unlink(path);
    return true;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return false;
    throw e;
  }
};
