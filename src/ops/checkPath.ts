/**
 * Checking a caller's path before anything is touched.
 */
import { resolve } from 'node:path';
import { TxfsError } from '../errors.js';

/**
 * The absolute form of `path`.
 * @throws TypeError when `path` is not a string; TxfsError EINVAL when it is empty, contains a NUL byte or names a directory (ends in `/`).
 */
export const absoluteFilePath = (path: unknown): string => {
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${path === null ? 'null' : typeof path}`);
  if (path.length === 0) throw new TxfsError('EINVAL', 'EINVAL: the path is empty; give a file path', { path });
  if (path.includes('\0')) throw new TxfsError('EINVAL', `EINVAL: the path contains a NUL byte: ${JSON.stringify(path)}`, { path });
  if (path.endsWith('/')) throw new TxfsError('EISDIR', `EISDIR: ${path} names a directory; give a file name`, { path });
  return resolve(path);
};
