/**
 * SHA-256 of bytes and of files, as lowercase hex.
 */
import { createHash, hash as oneShot } from 'node:crypto';
import { fromOsError } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/fileSystem.js';

/** SHA-256 of `bytes` (a string is hashed as UTF-8), lowercase hex. */
export const sha256Of = (bytes: Uint8Array | string): string => oneShot('sha256', bytes, 'hex');

/** The first read's size: a small file costs a small buffer. */
const FIRST_READ = 64 * 1024;
/** Each read's size once a file has filled the first one. */
const READ_SIZE = 1024 * 1024;

/**
 * SHA-256 of what `fh` holds from its start to its end, in constant memory (two buffers of at most 1 MiB, one read into
 * while the other is hashed): one thread-pool round trip per MiB, not per 64 KiB chunk, and nothing left to the GC.
 * @throws the handle's read error, as it is.
 */
export const hashOpenFile = async (fh: FileHandle): Promise<string> => {
  const hash = createHash('sha256');
  let buffer: Buffer = Buffer.allocUnsafe(FIRST_READ);
  let spare: Buffer | undefined;
  let position = 0;
  let reading = fh.read(buffer, 0, buffer.byteLength, 0);
  for (;;) {
    const got = await reading;
    if (got === 0) return hash.digest('hex');
    position += got;
    const filled = buffer;
    // A full first read: the file is larger, so two large buffers from here on, the next read into one while the other
    // is hashed. A small file's one buffer is hashed before it is read into again.
    if (spare === undefined && got === filled.byteLength) {
      buffer = Buffer.allocUnsafe(READ_SIZE);
      spare = Buffer.allocUnsafe(READ_SIZE);
    } else if (spare !== undefined) {
      buffer = spare;
      spare = filled;
    }
    if (buffer === filled) hash.update(filled.subarray(0, got));
    reading = fh.read(buffer, 0, buffer.byteLength, position);
    if (buffer !== filled) hash.update(filled.subarray(0, got));
  }
};

/**
 * SHA-256 of the file at `path`, in constant memory (`hashOpenFile`).
 * @throws TxfsError ENOENT, EISDIR, EACCES, EIO … from the file system.
 */
export const hashFile = async (fs: FileSystem, path: string): Promise<string> => {
  let fh: FileHandle | undefined;
  try {
    fh = await fs.open(path, 'r');
    return await hashOpenFile(fh);
  } catch (e) {
    throw fromOsError(e, path, 'read');
  } finally {
    await fh?.close().catch(() => undefined);
  }
};
