/**
 * The `FileSystem` of the real disk, on `node:fs/promises`. Errors are mapped to `TxfsError` here, in one place.
 */
import {
  constants, promises as fsp, createReadStream, lstatSync, unlinkSync, type Stats,
  chmodSync, closeSync, fchownSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeSync,
} from 'node:fs';
import { fromOsError } from '../errors.js';
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

/** Runs `f`, turning whatever it throws into a TxfsError naming `path` and the syscall. */
const wrap = async <A>(syscall: string, path: string, f: () => Promise<A>): Promise<A> => {
  try {
    return await f();
  } catch (e) {
    throw fromOsError(e, path, syscall);
  }
};

const handle = (fh: fsp.FileHandle, path: string): FileHandle => ({
  write: (buffer, offset, length, position) => wrap('write', path, async () => (await fh.write(buffer, offset, length, position)).bytesWritten),
  read: (buffer, offset, length, position) => wrap('read', path, async () => (await fh.read(buffer, offset, length, position)).bytesRead),
  sync: () => wrap('fsync', path, () => fh.sync()),
  datasync: () => wrap('fdatasync', path, () => fh.datasync()),
  stat: () => wrap('fstat', path, async () => toStat(await fh.stat())),
  truncate: (length) => wrap('ftruncate', path, () => fh.truncate(length)),
  chown: (uid, gid) => wrap('fchown', path, () => fh.chown(uid, gid)),
  close: () => wrap('close', path, () => fh.close()),
});

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
const openDirectory = (path: string): Promise<DirectoryHandle> =>
  wrap('open', path, async () => {
    const fh = await fsp.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    return {
      path: `/proc/self/fd/${fh.fd}`,
      sync: () => wrap('fsync', path, () => fh.sync()),
      close: () => wrap('close', path, () => fh.close()),
    };
  });

/** The node adapter: `node:fs/promises` behind the `FileSystem` interface. */
export const nodeFileSystem: FileSystem = {
  platform: process.platform,
  open: (path, flags, mode) => wrap('open', path, async () => handle(await fsp.open(path, flagBits[flags], mode), path)),
  readFile: (path) => wrap('read', path, () => fsp.readFile(path)),
  readStream,
  stat: (path) => wrap('stat', path, async () => toStat(await fsp.stat(path))),
  lstat: (path) => wrap('lstat', path, async () => toStat(await fsp.lstat(path))),
  lstatSync: (path) => {
    try {
      return toStat(lstatSync(path));
    } catch (e) {
      throw fromOsError(e, path, 'lstat');
    }
  },
  rename: (from, to) => wrap('rename', from, () => fsp.rename(from, to)),
  link: (existing, to) => wrap('link', existing, () => fsp.link(existing, to)),
  unlink: (path) => wrap('unlink', path, () => fsp.unlink(path)),
  unlinkSync: (path) => {
    try {
      unlinkSync(path);
    } catch (e) {
      throw fromOsError(e, path, 'unlink');
    }
  },
  readdir: (path) => wrap('readdir', path, () => fsp.readdir(path)),
  mkdir: (path, options = {}) =>
    wrap('mkdir', path, async () => {
      await fsp.mkdir(path, { recursive: options.recursive === true, ...(options.mode === undefined ? {} : { mode: options.mode }) });
    }),
  rmdir: (path) => wrap('rmdir', path, () => fsp.rmdir(path)),
  copyFile: (from, to, options = {}) => wrap('copyfile', from, () => fsp.copyFile(from, to, copyMode(options))),
  chmod: (path, mode) => wrap('chmod', path, () => fsp.chmod(path, mode)),
  utimes: (path, atimeMs, mtimeMs) => wrap('utimes', path, () => fsp.utimes(path, atimeMs / 1000, mtimeMs / 1000)),
  symlink: (target, path) => wrap('symlink', path, () => fsp.symlink(target, path)),
  realpath: (path) => wrap('realpath', path, () => fsp.realpath(path)),
  syncDir: (path) =>
    wrap('fsync', path, async () => {
      const fh = await fsp.open(path, O_RDONLY | O_DIRECTORY);
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }),
  ...(procFd ? { openDirectory } : {}),
};

/** Runs `f`, turning whatever it throws into a TxfsError naming `path` and the syscall (the synchronous `wrap`). */
const wrapSync = <A>(syscall: string, path: string, f: () => A): A => {
  try {
    return f();
  } catch (e) {
    throw fromOsError(e, path, syscall);
  }
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
