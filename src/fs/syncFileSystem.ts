/**
 * The synchronous door to the disk: the subset of `FileSystem` that the synchronous write (`writeFileAtomicSync`, the
 * `.sync` and `*Sync` forms of `txfs/compat/*`) and the steps it shares with the asynchronous write need. Each method
 * does what its asynchronous namesake does, with the same arguments, and throws where that one rejects: a `TxfsError`
 * whose `code` is the errno name, mapped with `fromOsError`.
 */
import type { FileStat, OpenFlags } from './fileSystem.js';

/** An open file, synchronously. */
export interface SyncFileHandle {
  /** Writes up to `length` bytes of `buffer` from `offset` at `position` (null: the current position); may write fewer. */
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  /** fdatasync(2). */
  datasync(): void;
  /** fchown(2); optional as on `FileHandle`. Throws EPERM, EINVAL or ENOSYS where the system refuses. */
  chown?(uid: number, gid: number): void;
  close(): void;
}

/** The disk, synchronously. Paths are absolute. */
export interface SyncFileSystem {
  /** The platform whose rules apply (`process.platform` for the real disk). */
  readonly platform?: string;
  open(path: string, flags: OpenFlags, mode?: number): SyncFileHandle;
  readFile(path: string): Buffer;
  stat(path: string): FileStat;
  lstat(path: string): FileStat;
  realpath(path: string): string;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  readdir(path: string): string[];
  mkdir(path: string, options?: { readonly recursive?: boolean; readonly mode?: number }): void;
  chmod(path: string, mode: number): void;
  /** fsync of a directory. */
  syncDir(path: string): void;
}
