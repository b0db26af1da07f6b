/**
 * The only door to the disk. Every module that reads or writes files does so through this interface,
 * so that the crash simulator (`txfs/testing`) or a fault injector can stand in for `node:fs`.
 *
 * Every method rejects with a `TxfsError` whose `code` is the errno name (ENOENT, ENOSPC, EIO, …):
 * backends map their errors with `fromOsError` from `src/errors.ts`.
 */

/** What `stat`/`lstat` report; only the fields txfs relies on. */
export interface FileStat {
  readonly kind: 'file' | 'directory' | 'symlink' | 'other';
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
  /** Permission bits and file type bits, as st_mode. */
  readonly mode: number;
  readonly nlink: number;
  /** The owner's user and group ids; absent where the backend does not know owners (then none is carried over). */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * How a file is opened.
 * - `r`: read only; `r+`: read and write, must exist;
 * - `w`: write, create or truncate; `a`: append, create;
 * - `wx`: write, create, fail if anything exists at the path (O_CREAT | O_EXCL | O_NOFOLLOW) — temp, backup and lock files.
 */
export type OpenFlags = 'r' | 'r+' | 'w' | 'wx' | 'a';

/** An open file. */
export interface FileHandle {
  /**
   * Writes up to `length` bytes of `buffer` from `offset` at `position` (null: the current position).
   * May write fewer bytes than asked (a short write): the caller loops.
   */
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  /** Reads up to `length` bytes into `buffer` at `offset` from `position` (null: current); 0 at end of file. */
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  /** fsync(2): data and metadata durable. */
  sync(): Promise<void>;
  /** fdatasync(2): data (and the size) durable. */
  datasync(): Promise<void>;
  stat(): Promise<FileStat>;
  truncate(length: number): Promise<void>;
  /**
   * fchown(2): gives the open file to `uid`:`gid`. Optional: a backend without owners lacks it (a replaced file's owner
   * is then not carried over). Rejects with EPERM, EINVAL or ENOSYS where the system refuses.
   */
  chown?(uid: number, gid: number): Promise<void>;
  close(): Promise<void>;
}

/** Options of `copyFile`. */
export interface CopyFileOptions {
  /** Fail with EEXIST when the destination exists. */
  readonly exclusive?: boolean;
  /** Try a copy-on-write clone first (COPYFILE_FICLONE). */
  readonly clone?: boolean;
}

/** An open directory, named by a path that leads to that very directory for as long as it is open. */
export interface DirectoryHandle {
  /** A path naming this directory whatever happens to its name (on Linux `/proc/self/fd/N`). */
  readonly path: string;
  /** fsync of the directory. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The disk, as txfs sees it. Paths are absolute. */
export interface FileSystem {
  /**
   * The platform whose rules apply (`process.platform` for the real disk; the fault injector can say 'win32'). Absent:
   * POSIX rules (a rename is retried only on win32, where antivirus and indexers hold files open).
   */
  readonly platform?: string;
  open(path: string, flags: OpenFlags, mode?: number): Promise<FileHandle>;
  /** Reads a whole file. */
  readFile(path: string): Promise<Buffer>;
  /** Streams a file in chunks of at most `chunkSize` bytes, in constant memory; `start` and `end` are byte offsets, both inclusive (as node's createReadStream). */
  readStream(path: string, options?: { readonly start?: number; readonly end?: number; readonly chunkSize?: number }): AsyncIterable<Uint8Array>;
  stat(path: string): Promise<FileStat>;
  lstat(path: string): Promise<FileStat>;
  /**
   * lstat, synchronously. Optional: a backend that has it lets a transaction fingerprint a target at the very moment an
   * operation is added (a change right after the call is then seen at the commit point), and writeFileAtomic look at its
   * target without a thread-pool round trip.
   */
  lstatSync?(path: string): FileStat;
  /** rename(2): atomically replaces `to` when it exists. */
  rename(from: string, to: string): Promise<void>;
  /**
   * rename, synchronously; throws like `rename`. Optional: a backend that has it lets writeFileAtomic put a small file
   * in place without a thread-pool round trip (`renamesAtOnce` says when: never where freeing the replaced file could take long).
   */
  renameSync?(from: string, to: string): void;
  /** link(2): a second name for the same inode; fails with EEXIST when `to` exists. */
  link(existing: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /**
   * unlink, synchronously; throws like `unlink`. Optional: a backend that has it lets writeFileAtomic remove its temp
   * files as the process exits or is ended by a signal (an exit handler cannot wait for a promise).
   */
  unlinkSync?(path: string): void;
  /** Names in a directory (not `.`/`..`), unsorted. */
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options?: { readonly recursive?: boolean; readonly mode?: number }): Promise<void>;
  rmdir(path: string): Promise<void>;
  copyFile(from: string, to: string, options?: CopyFileOptions): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  utimes(path: string, atimeMs: number, mtimeMs: number): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  /** The canonical path, every symlink resolved. */
  realpath(path: string): Promise<string>;
  /** fsync of a directory: makes the creates, renames and unlinks of its entries durable. */
  syncDir(path: string): Promise<void>;
  /**
   * Opens the directory at `path` without following a symbolic link as its last component (O_DIRECTORY | O_NOFOLLOW:
   * ELOOP or ENOTDIR otherwise). Optional: a backend that has it lets a store resolve paths beneath a held handle of its
   * root (`confined.ts`), so that no directory swapped for a link can redirect a write.
   */
  openDirectory?(path: string): Promise<DirectoryHandle>;
}

/** The process's umask, for the default mode of new files (0o666 & ~umask). */
export const defaultFileMode = (umask: number): number => 0o666 & ~umask;
