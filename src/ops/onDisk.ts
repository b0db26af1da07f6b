/**
 * The public, store-less checksum functions: on the real disk, relative paths resolved against the working directory.
 */
import { nodeFileSystem } from '../fs/node.js';
import { absoluteFilePath } from './checkPath.js';
import { hashFile } from '../integrity/sha256.js';
import { checkSidecar } from '../integrity/sidecar.js';

/**
 * SHA-256 of the file at `path`, lowercase hex, streamed in constant memory.
 * @throws TxfsError ENOENT, EISDIR, EACCES, EIO …; EINVAL for an empty path or one with a NUL byte.
 * @example const hex = await sha256File('export.csv');
 */
export const sha256File = async (path: string): Promise<string> => hashFile(nodeFileSystem, absoluteFilePath(path));

/**
 * True when the file at `path` matches its sidecar `<path>.sha256` (sha256sum format), false when it does not.
 * @throws TxfsError ENOENT when the sidecar or the file is missing; EINTEGRITY when the sidecar is malformed.
 * @example if (!(await verifyChecksumFile('export.csv'))) console.error('export.csv is damaged');
 */
export const verifyChecksumFile = async (path: string): Promise<boolean> => checkSidecar(nodeFileSystem, absoluteFilePath(path));
