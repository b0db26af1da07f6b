/**
 * `txfs/compat/atomically`: atomically 2's API on txfs's write and read — change the import, keep the calls.
 * Underneath: the directory fsync, every short write continued (atomically's own fix is still an open PR), SHA-256,
 * the owner and mode of the replaced file kept, calls on one path in call order, the temp removed on failure, at exit
 * and on signals; `timeout` retries as atomically's. README, "Migrating from write-file-atomic / atomically", lists
 * what differs and why.
 */
import { nodeFileSystem, nodeSyncFileSystem } from '../fs/node.js';
import { atomicallyOn } from './atomicallyOn.js';

export type { Atomically, AtomicallyCallback, AtomicallyReadOptions, AtomicallyWriteOptions } from './atomicallyOn.js';
export type { CompatData } from './compatOptions.js';

const onDisk = atomicallyOn({ fs: nodeFileSystem, syncFs: nodeSyncFileSystem });

/**
 * Writes `data` (a string, a Buffer or TypedArray, undefined for an empty file, or a readable stream) to `filePath`
 * atomically and durably; parent directories are created unless `mkdir: false`. Options (or an encoding name):
 * `encoding`, `mode`, `chown`, `fsync`, `fsyncWait` (always waited), `mkdir`, `schedule`, `timeout` (default 7500 ms),
 * `tmpCreate`, `tmpCreated`, `tmpPurge`. With `callback`, it gets the error or nothing; the promise is returned either way.
 * @throws TypeError (a wrong argument, as a rejection); TxfsError EINVAL, EISDIR, ENOENT, ENOSPC, EACCES, EPERM, EMFILE,
 *   ENAMETOOLONG, EROFS, EIO … (the errno as `code`, the user's file in `path` and in the message).
 * @example
 * import { writeFile } from 'txfs/compat/atomically';
 * await writeFile('config.json', JSON.stringify(config, null, 2));
 */
export const writeFile = onDisk.writeFile;

/**
 * `writeFile`, done before it returns (no streams, no `schedule`; `timeout` default 1000 ms).
 * @throws TypeError; TxfsError EINVAL, EISDIR, ENOENT, ENOSPC, EACCES, EPERM, EMFILE, ENAMETOOLONG, EROFS, EIO …
 * @example writeFileSync('config.json', JSON.stringify(config));
 */
export const writeFileSync = onDisk.writeFileSync;

/**
 * Reads `filePath` whole, as a Buffer or (with an encoding) a string; a read failing with EMFILE, ENFILE, EAGAIN, EBUSY,
 * EACCES or EPERM is tried again until `timeout` (default 7500 ms).
 * @throws TypeError; TxfsError ENOENT, EISDIR, EACCES, EMFILE, EIO …
 * @example const text = await readFile('config.json', 'utf8');
 */
export const readFile = onDisk.readFile;

/**
 * `readFile`, done before it returns (`timeout` default 1000 ms).
 * @throws TypeError; TxfsError ENOENT, EISDIR, EACCES, EMFILE, EIO …
 * @example const text = readFileSync('config.json', 'utf8');
 */
export const readFileSync = onDisk.readFileSync;
