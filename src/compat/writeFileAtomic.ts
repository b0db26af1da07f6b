/**
 * `txfs/compat/write-file-atomic`: write-file-atomic 7's API on txfs's write — change the import, keep the calls.
 * Underneath: the directory fsync, every short write continued, SHA-256, the owner and mode of the replaced file kept,
 * calls on one path in call order, the temp removed on failure, at exit and on signals (README, "Migrating from
 * write-file-atomic / atomically", lists what differs and why).
 */
import { nodeFileSystem, nodeSyncFileSystem } from '../fs/node.js';
import { writeFileAtomicOn, type WriteFileAtomic } from './writeFileAtomicOn.js';

export type { WriteFileAtomic, WriteFileAtomicCallback, WriteFileAtomicOptions } from './writeFileAtomicOn.js';
export type { CompatData } from './compatOptions.js';

/**
 * Writes `data` (a string, a Buffer or TypedArray, undefined for an empty file — or a stream) to `filename` atomically
 * and durably, as write-file-atomic 7 does and with txfs's guarantees: a promise without `callback`, else `callback(err)`;
 * `writeFileAtomic.sync(filename, data, options?)` does the same before it returns.
 * Options (or an encoding name): `encoding`, `mode` (number, octal string, or false), `chown` ({ uid, gid } or false;
 * default the replaced file's owner), `fsync` (default true), `tmpfileCreated` (awaited; a failure removes the temp).
 * @throws TypeError (a wrong argument, as a rejection); TxfsError EINVAL, EISDIR, ENOENT, ENOSPC, EACCES, EPERM, EROFS,
 *   EIO … (the errno as `code`, the user's file in `path` and in the message).
 * @example
 * import writeFileAtomic from 'txfs/compat/write-file-atomic';
 * await writeFileAtomic('settings.json', JSON.stringify(settings), { mode: 0o600 });
 */
export const writeFileAtomic: WriteFileAtomic = writeFileAtomicOn({ fs: nodeFileSystem, syncFs: nodeSyncFileSystem });

export default writeFileAtomic;
// `require('txfs/compat/write-file-atomic')` gives the function itself, as `require('write-file-atomic')` does.
export { writeFileAtomic as 'module.exports' };
