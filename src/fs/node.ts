/**
 * The `FileSystem` of the real disk, on `node:fs`'s callback calls (and its *Sync calls for `SyncFileSystem`). Errors are mapped to `TxfsError` here, in one place.
 * The few calls that are microseconds of work — creating a temp file, its small writes and close, opening and closing a
 * directory to fsync it — run at once on the event loop instead (`handle`): on a small machine each thread-pool round
 * trip they would take costs more than the call. Every fsync, and every write larger than `SMALL_WRITE_BYTES`, goes to the pool.
 */
import {
  constants, createReadStream, lstatSync, unlinkSync, type NoParamCallback, type Stats,
  chmodSync, closeSync, fchownSync, fdatasyncSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeSync,
} from 'node:fs';
import * as nodeFs from 'node:fs';
import { TxfsError, fromOsError } from '../errors.js';
import type { CopyFileOptions, DirectoryHandle, FileHandle, FileStat, FileSystem, OpenFlags } from './fileSystem.js';
import type { SyncFileHandle, SyncFileSystem } from './syncFileSystem.js';

const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NOFOLLOW, O_DIRECTORY } = constants;

const flagBits: Record<OpenFlags, number> = {
  r: O_RDONLY,
  'r+': O_RDWR,
  w: O_WRONLY | O_CREAT | O_TRUNC,
  wx: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
  a: O_WRONLY | O_CREAT | O_APPEND,
};

const toStat = (s: Stats): FileStat => ({
  kind: s.isFile() ? 'file' : s.isDirectory() ? 'directory' : s.isSymbolicLink() ? 'symlink' : 'other',
  size: s.size,
  mtimeMs: s.mtimeMs,
  ino: s.ino,
  dev: s.dev,
  mode: s.mode,
  nlink: s.nlink,
  uid: s.uid,
  gid: s.gid,
});

/** A node:fs callback: the error, or null (some calls pass undefined) and the value. */
type Done<A> = (err: NodeJS.ErrnoException | null | undefined, value: A) => void;

/**
 * Runs the node:fs callback call `f`, turning its error (or what it throws synchronously) into a TxfsError naming `path`
 * and the syscall. The callback form rather than node:fs/promises: one thread-pool round trip without the promise
 * API's FileHandle and request objects around it, measurably less work on the event loop for every call.
 */
const call = <A>(syscall: string, path: string, f: (done: Done<A>) => void): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    try {
      f((err, value) => (err === null || err === undefined ? resolve(value) : reject(fromOsError(err, path, syscall))));
    } catch (e) {
      reject(fromOsError(e, path, syscall));
    }
  });

/** Runs `f`, turning whatever it throws into a TxfsError naming `path` and the syscall (the synchronous `wrap`). */
const wrapSync = <A>(syscall: string, path: string, f: () => A): A => {
  try {
    return f();
  } catch (e) {
    throw fromOsError(e, path, syscall);
  }
};

/**
 * The largest write on a temp file made here that runs at once on the event loop (bytes). A copy of that much into the
 * page cache takes microseconds; a thread-pool round trip costs tens to hundreds of them on a small machine (measured
 * with `npx tsx bench/eventLoop.ts`). Every larger write goes to the thread pool: the event loop never waits for one.
 */
export const SMALL_WRITE_BYTES = 16 * 1024;

/** `f` run now, on the event loop, as a promise of its result (its error a TxfsError naming `path` and the syscall). */
const atOnce = <A>(syscall: string, path: string, f: () => A): Promise<A> => new Promise<A>((resolve) => resolve(wrapSync(syscall, path, f)));

/** EBADF for a call on a handle already closed: its descriptor number may belong to another file by now. */
const closedError = (path: string, syscall: string): TxfsError =>
  new TxfsError('EBADF', `EBADF: the file handle was closed (${syscall} ${path})`, { path, syscall });

/**
 * An open file on its descriptor. Once closed, every call is EBADF without touching the descriptor (the number may
 * have been reused by then), and a second close does nothing.
 * `created`: a file this process has just created (a temp, `'wx'`) or a directory opened to be fsynced. Its writes of
 * at most `SMALL_WRITE_BYTES`, its fstat and its close run at once on the event loop rather than on the thread pool:
 * each is a few microseconds of work that would otherwise cost a round trip. Its fsyncs, like every other call, go to
 * the pool.
 */
const handle = (fd: number, path: string, created = false): FileHandle => {
  let closed = false;
  const onFd = <A>(syscall: string, f: (done: Done<A>) => void): Promise<A> => (closed ? Promise.reject(closedError(path, syscall)) : call(syscall, path, f));
  return {
    write: (buffer, offset, length, position) =>
      created && !closed && length <= SMALL_WRITE_BYTES
        ? atOnce('write', path, () => writeSync(fd, buffer, offset, length, position))
        : onFd<number>('write', (done) => nodeFs.write(fd, buffer, offset, length, position, done)),
    read: (buffer, offset, length, position) => onFd<number>('read', (done) => nodeFs.read(fd, buffer, offset, length, position, done)),
    sync: () => onFd<void>('fsync', (done) => nodeFs.fsync(fd, done)),
    datasync: () => onFd<void>('fdatasync', (done) => nodeFs.fdatasync(fd, done)),
    // An fstat reads the open inode: no name to look up, no directory lock to wait for.
    stat: async () =>
      created && !closed ? atOnce('fstat', path, () => toStat(fstatSync(fd))) : toStat(await onFd<Stats>('fstat', (done) => nodeFs.fstat(fd, done))),
    truncate: (length) => onFd<void>('ftruncate', (done) => nodeFs.ftruncate(fd, length, done as NoParamCallback)),
    chown: (uid, gid) => onFd<void>('fchown', (done) => nodeFs.fchown(fd, uid, gid, done)),
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      return created ? atOnce('close', path, () => closeSync(fd)) : call<void>('close', path, (done) => nodeFs.close(fd, done));
    },
  };
};

/** Opens `path` with `flags`, the descriptor's number or the error. */
const openFd = (path: string, flags: number, mode?: number): Promise<number> => call<number>('open', path, (done) => nodeFs.open(path, flags, mode, done));

async function* readStream(path: string, options: { readonly start?: number; readonly end?: number; readonly chunkSize?: number } = {}): AsyncIterable<Uint8Array> {
  const stream = createReadStream(path, {
    highWaterMark: options.chunkSize ?? 64 * 1024,
    ...(options.start === undefined ? {} : { start: options.start }),
    ...(options.end === undefined ? {} : { end: options.end }),
  });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    throw fromOsError(e, path, 'read');
  } finally {
    stream.destroy();
  }
}

const copyMode = (o: CopyFileOptions): number => (o.exclusive === true ? constants.COPYFILE_EXCL : 0) | (o.clone === true ? constants.COPYFILE_FICLONE : 0);

/** Whether `/proc/self/fd/N` names an open directory here (Linux): then directories can be held and walked beneath. */
const procFd = process.platform === 'linux';

/** An open directory named `/proc/self/fd/N`: the kernel resolves that path to this very directory (openat's effect). */
const openDirectory = async (path: string): Promise<DirectoryHandle> => {
  const fd = await openFd(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  const dir = handle(fd, path);
  return { path: `/proc/self/fd/${fd}`, sync: () => dir.sync(), close: () => dir.close() };
};

/** The node adapter: `node:fs`'s callback calls behind the `FileSystem` interface. */
export const nodeFileSystem: FileSystem = {
  platform: process.platform,
  // A new file ('wx': a temp, never an existing file's name) is created at once on the event loop: one metadata call.
  open: async (path, flags, mode) =>
    flags === 'wx' ? handle(await atOnce('open', path, () => openSync(path, flagBits.wx, mode)), path, true) : handle(await openFd(path, flagBits[flags], mode), path),
  readFile: (path) => call<Buffer>('read', path, (done) => nodeFs.readFile(path, done)),
  readStream,
  stat: async (path) => toStat(await call<Stats>('stat', path, (done) => nodeFs.stat(path, done))),
  lstat: async (path) => toStat(await call<Stats>('lstat', path, (done) => nodeFs.lstat(path, done))),
  lstatSync: (path) => {
    try {
      return toStat(lstatSync(path));
    } catch (e) {
      throw fromOsError(e, path, 'lstat');
    }
  },
  rename: (from, to) => call<void>('rename', from, (done) => nodeFs.rename(from, to, done)),
  renameSync: (from, to) => wrapSync('rename', from, () => renameSync(from, to)),
  link: (existing, to) => call<void>('link', existing, (done) => nodeFs.link(existing, to, done)),
  unlink: (path) => call<void>('unlink', path, (done) => nodeFs.unlink(path, done)),
  unlinkSync: (path) => {
    try {
      unlinkSync(path);
    } catch (e) {
      throw fromOsError(e, path, 'unlink');
    }
  },
  readdir: (path) => call<string[]>('readdir', path, (done) => nodeFs.readdir(path, done)),
  mkdir: async (path, options = {}) => {
    await call<unknown>('mkdir', path, (done) => nodeFs.mkdir(path, { recursive: options.recursive === true, ...(options.mode === undefined ? {} : { mode: options.mode }) }, done));
  },
  rmdir: (path) => call<void>('rmdir', path, (done) => nodeFs.rmdir(path, done as NoParamCallback)),
  copyFile: (from, to, options = {}) => call<void>('copyfile', from, (done) => nodeFs.copyFile(from, to, copyMode(options), done as NoParamCallback)),
  chmod: (path, mode) => call<void>('chmod', path, (done) => nodeFs.chmod(path, mode, done)),
  utimes: (path, atimeMs, mtimeMs) => call<void>('utimes', path, (done) => nodeFs.utimes(path, atimeMs / 1000, mtimeMs / 1000, done)),
  symlink: (target, path) => call<void>('symlink', path, (done) => nodeFs.symlink(target, path, done as NoParamCallback)),
  // The kernel's realpath (as fs/promises' is), not the callback form's walk in JS that lstats every component.
  realpath: (path) => call<string>('realpath', path, (done) => nodeFs.realpath.native(path, done)),
  // Opened and closed at once on the event loop (a directory's descriptor holds nothing to flush); the fsync on the pool.
  syncDir: async (path) => {
    const dir = handle(await atOnce('open', path, () => openSync(path, O_RDONLY | O_DIRECTORY)), path, true);
    try {
      await dir.sync();
    } finally {
      await dir.close().catch(() => undefined);
    }
  },
  ...(procFd ? { openDirectory } : {}),
};

const syncHandle = (fd: number, path: string): SyncFileHandle => ({
  write: (buffer, offset, length, position) => wrapSync('write', path, () => writeSync(fd, buffer, offset, length, position)),
  datasync: () => wrapSync('fdatasync', path, () => fdatasyncSync(fd)),
  chown: (uid, gid) => wrapSync('fchown', path, () => fchownSync(fd, uid, gid)),
  close: () => wrapSync('close', path, () => closeSync(fd)),
});

/** The synchronous node adapter: `node:fs`'s *Sync calls behind `SyncFileSystem`, errors mapped as above. */
export const nodeSyncFileSystem: SyncFileSystem = {
  platform: process.platform,
  open: (path, flags, mode) => wrapSync('open', path, () => syncHandle(openSync(path, flagBits[flags], mode), path)),
  readFile: (path) => wrapSync('read', path, () => readFileSync(path)),
  stat: (path) => wrapSync('stat', path, () => toStat(statSync(path))),
  lstat: (path) => wrapSync('lstat', path, () => toStat(lstatSync(path))),
  realpath: (path) => wrapSync('realpath', path, () => realpathSync(path)),
  rename: (from, to) => wrapSync('rename', from, () => renameSync(from, to)),
  unlink: (path) => wrapSync('unlink', path, () => unlinkSync(path)),
  readdir: (path) => wrapSync('readdir', path, () => readdirSync(path)),
  mkdir: (path, options = {}) =>
    wrapSync('mkdir', path, () => {
      mkdirSync(path, { recursive: options.recursive === true, ...(options.mode === undefined ? {} : { mode: options.mode }) });
    }),
  chmod: (path, mode) => wrapSync('chmod', path, () => chmodSync(path, mode)),
  syncDir: (path) =>
    wrapSync('fsync', path, () => {
      const fd = openSync(path, O_RDONLY | O_DIRECTORY);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }),
};
