/**
 * SHA-256 of bytes and of files, as lowercase hex.
 */
import { createHash } from 'node:crypto';
import { fromOsError } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';

/** SHA-256 of `bytes` (a string is hashed as UTF-8), lowercase hex. */
export const sha256Of = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * SHA-256 of the file at `path`, streamed in constant memory.
 * @throws TxfsError ENOENT, EISDIR, EACCES, EIO … from the file system.
 */
export const hashFile = async (fs: FileSystem, path: string): Promise<string> => {
  const hash = createHash('sha256');
  try {
    for await (const chunk of fs.readStream(path)) hash.update(chunk);
  } catch (e) {
    throw fromOsError(e, path, 'read');
  }
  return hash.digest('hex');
};
