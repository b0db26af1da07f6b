/**
 * txfs: transactional file operations for Node.js. The public API, nothing else.
 */
export { TxfsError } from './errors.js';
export type { TxfsErrorCode } from './errors.js';
export type { FileSystem, FileHandle, FileStat, OpenFlags } from './fs/fileSystem.js';
export type { Journal, JournalTxn } from './journal/journal.js';
export type { Processes, HolderIdentity } from './env.js';
export type * from './types.js';
export { writeFileAtomic } from './ops/atomicWrite.js';
export { sha256File, verifyChecksumFile } from './ops/onDisk.js';
export { validators } from './integrity/validators.js';
export { openStore, recover } from './store/openStore.js';
export { rebuildJournal } from './store/rebuild.js';
