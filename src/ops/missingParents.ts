/**
 * Which parent directories of a path are missing, so that a write asked to create them (`mkdirp`) can
 * add one `mkdir` per directory to its transaction.
 */
import * as path from 'node:path';
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';

/**
 * The missing parent directories of `rel` (a `/`-separated path relative to `root`), outermost first.
 * Errors: the OS error of a failed lstat other than ENOENT / ENOTDIR (which mean "missing").
 */
export const missingParents = async (fs: FileSystem, root: string, rel: string): Promise<string[]> => {
  const out: string[] = [];
  for (let d = path.posix.dirname(rel); d !== '.' && d !== ''; d = path.posix.dirname(d)) {
    try {
      await fs.lstat(path.join(root, ...d.split('/')));
      break;
    } catch (e) {
      if (!hasCode(e, 'ENOENT', 'ENOTDIR')) throw e;
      out.unshift(d);
    }
  }
  return out;
};
