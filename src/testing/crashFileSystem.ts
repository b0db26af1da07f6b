/**
 * The crash world's `FileSystem`: every call passes the world's gate (call counter, trace, crash cut-off),
 * then acts on the simulated disk at once (synchronously), so call order is effect order.
 */
import type { CopyFileOptions, FileHandle, FileStat, FileSystem, OpenFlags } from '../fs/fileSystem.js';
import { Disk, type DirNode, type FileNode, type Node } from './disk.js';
import { canonical, fsError, locate } from './lookup.js';

/** What the world lends its file system: the crash gate and the fsync fault hook. */
export interface Gate {
  /** Counts the call, records it, or throws CrashError when the world is cut off. */
  enter(kind: string, path: string, to?: string): void;
  /** True when this fsync must fail with EIO and lose the file's unsynced data. */
  failSync(path: string): boolean;
}

const UMASK = 0o022;

/**
 * An inode's owner (root's, 0:0, until chowned). Kept on the inode object itself, so that `freeze` and `fromSurvivors`,
 * which copy inodes by spread, carry it; like the mode, an owner change is durable at once.
 */
type Owned = { uid?: number; gid?: number };
const ownerOf = (n: Node): Owned => n as Node & Owned;

const statOf = (n: Node): FileStat => ({
  kind: n.kind,
  size: n.kind === 'file' ? n.data.length : n.kind === 'symlink' ? n.target.length : 4096,
  mtimeMs: n.mtimeMs,
  ino: n.ino,
  dev: 1,
  mode: n.mode,
  nlink: n.kind === 'directory' ? n.nlink : n.nlink,
  uid: ownerOf(n).uid ?? 0,
  gid: ownerOf(n).gid ?? 0,
});

const isAncestor = (disk: Disk, ancestor: DirNode, ino: number): boolean => {
  if (ancestor.ino === ino) return true;
  for (const child of ancestor.entries.values()) {
    const n = disk.node(child);
    if (n.kind === 'directory' && isAncestor(disk, n, ino)) return true;
  }
  return false;
};

/** Makes the FileSystem of one world over `disk`. */
export const crashFileSystem = (disk: Disk, gate: Gate): FileSystem => {
  const existing = (path: string, syscall: string, { follow = true }: { readonly follow?: boolean } = {}): Node => {
    const at = locate(disk, path, follow, syscall);
    if (at.ino === undefined) throw fsError('ENOENT', syscall, path);
    return disk.node(at.ino);
  };
  const fileAt = (path: string, syscall: string): FileNode => {
    const n = existing(path, syscall);
    if (n.kind === 'directory') throw fsError('EISDIR', syscall, path);
    return n as FileNode;
  };

  const handle = (node: Node, path: string, flags: OpenFlags): FileHandle => {
    let pos = 0;
    let open = true;
    const canWrite = flags !== 'r';
    const canRead = flags === 'r' || flags === 'r+';
    const live = (syscall: string): Node => {
      gate.enter(syscall, path);
      if (!open) throw fsError('EBADF', syscall, path);
      return node;
    };
    return {
      write: async (buffer, offset, length, position) => {
        const n = live('write');
        if (!canWrite || n.kind !== 'file') throw fsError('EBADF', 'write', path);
        const at = flags === 'a' ? n.data.length : (position ?? pos);
        // A copy: callers reuse their buffers (Buffer#slice would alias them).
        const bytes = Uint8Array.prototype.slice.call(buffer, offset, offset + length);
        disk.changeData(n, { kind: 'write', pos: at, bytes });
        if (position === null || flags === 'a') pos = at + bytes.length;
        return bytes.length;
      },
      read: async (buffer, offset, length, position) => {
        const n = live('read');
        if (n.kind === 'directory') throw fsError('EISDIR', 'read', path);
        if (!canRead || n.kind !== 'file') throw fsError('EBADF', 'read', path);
        const from = position ?? pos;
        const chunk = n.data.subarray(Math.min(from, n.data.length), Math.min(from + length, n.data.length));
        buffer.set(chunk, offset);
        if (position === null) pos = from + chunk.length;
        return chunk.length;
      },
      sync: async () => syncNode(live('sync'), 'fsync'),
      datasync: async () => syncNode(live('datasync'), 'fdatasync'),
      stat: async () => statOf(live('fstat')),
      truncate: async (length) => {
        const n = live('truncate');
        if (!canWrite || n.kind !== 'file') throw fsError('EINVAL', 'ftruncate', path);
        disk.changeData(n, { kind: 'truncate', size: length });
      },
      chown: async (uid, gid) => {
        const owned = ownerOf(live('fchown'));
        owned.uid = uid;
        owned.gid = gid;
      },
      close: async () => {
        live('close');
        open = false;
      },
    };

    function syncNode(n: Node, syscall: string): void {
      if (n.kind === 'directory') disk.syncEntries(n);
      if (n.kind !== 'file') return;
      if (gate.failSync(path)) {
        disk.loseData(n);
        throw fsError('EIO', syscall, path);
      }
      disk.syncData(n);
    }
  };

  const create = (at: ReturnType<typeof locate>, mode: number): FileNode => {
    const file = disk.newFile(mode & ~UMASK);
    disk.changeEntries(at.parent, [[at.name, file.ino]]);
    return file;
  };

  return {
    open: async (path, flags, mode = 0o666) => {
      gate.enter('open', path);
      const exclusive = flags === 'wx';
      const at = locate(disk, path, !exclusive, 'open');
      if (at.ino !== undefined) {
        if (exclusive) throw fsError('EEXIST', 'open', path);
        const n = disk.node(at.ino);
        if (n.kind === 'directory' && flags !== 'r') throw fsError('EISDIR', 'open', path);
        if (flags === 'w' && n.kind === 'file' && n.data.length > 0) disk.changeData(n, { kind: 'truncate', size: 0 });
        return handle(n, path, flags);
      }
      if (flags === 'r' || flags === 'r+') throw fsError('ENOENT', 'open', path);
      return handle(create(at, mode), path, flags);
    },
    readFile: async (path) => {
      gate.enter('readFile', path);
      return Buffer.from(fileAt(path, 'open').data);
    },
    readStream: (path, options = {}) => {
      gate.enter('readStream', path);
      let data: Uint8Array | undefined;
      let error: unknown;
      try {
        data = fileAt(path, 'open').data;
      } catch (e) {
        error = e;
      }
      const start = options.start ?? 0;
      const chunkSize = options.chunkSize ?? 64 * 1024;
      return (async function* () {
        if (data === undefined) throw error;
        const end = Math.min(data.length, options.end === undefined ? data.length : options.end + 1);
        for (let at = start; at < end; at += chunkSize) yield Buffer.from(data.subarray(at, Math.min(end, at + chunkSize)));
      })();
    },
    stat: async (path) => {
      gate.enter('stat', path);
      return statOf(existing(path, 'stat'));
    },
    lstat: async (path) => {
      gate.enter('lstat', path);
      return statOf(existing(path, 'lstat', { follow: false }));
    },
    rename: async (from, to) => {
      gate.enter('rename', from, to);
      const src = locate(disk, from, false, 'rename');
      if (src.ino === undefined || src.name === '.' || src.name === '') throw fsError(src.ino === undefined ? 'ENOENT' : 'EBUSY', 'rename', from);
      const dst = locate(disk, to, false, 'rename');
      const moving = disk.node(src.ino);
      if (dst.ino === src.ino) return;
      if (dst.ino !== undefined) {
        const over = disk.node(dst.ino);
        if (moving.kind === 'directory' && over.kind !== 'directory') throw fsError('ENOTDIR', 'rename', to);
        if (moving.kind !== 'directory' && over.kind === 'directory') throw fsError('EISDIR', 'rename', to);
        if (over.kind === 'directory' && over.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', to);
      }
      if (moving.kind === 'directory' && isAncestor(disk, moving, dst.parent.ino)) throw fsError('EINVAL', 'rename', to);
      // One directory: one atomic entry change. Two directories: two changes, each durable with its own directory.
      if (src.parent === dst.parent) {
        disk.changeEntries(src.parent, [[dst.name, src.ino], [src.name, undefined]]);
      } else {
        disk.changeEntries(dst.parent, [[dst.name, src.ino]]);
        disk.changeEntries(src.parent, [[src.name, undefined]]);
      }
    },
    link: async (from, to) => {
      gate.enter('link', from, to);
      const src = existing(from, 'link', { follow: false });
      if (src.kind === 'directory') throw fsError('EPERM', 'link', from);
      const dst = locate(disk, to, false, 'link');
      if (dst.ino !== undefined) throw fsError('EEXIST', 'link', to);
      disk.changeEntries(dst.parent, [[dst.name, src.ino]]);
    },
    unlink: async (path) => {
      gate.enter('unlink', path);
      const at = locate(disk, path, false, 'unlink');
      if (at.ino === undefined) throw fsError('ENOENT', 'unlink', path);
      if (disk.node(at.ino).kind === 'directory') throw fsError('EISDIR', 'unlink', path);
      disk.changeEntries(at.parent, [[at.name, undefined]]);
    },
    readdir: async (path) => {
      gate.enter('readdir', path);
      const n = existing(path, 'scandir');
      if (n.kind !== 'directory') throw fsError('ENOTDIR', 'scandir', path);
      return [...n.entries.keys()];
    },
    mkdir: async (path, options = {}) => {
      gate.enter('mkdir', path);
      const mode = (options.mode ?? 0o777) & ~UMASK;
      if (options.recursive !== true) {
        const at = locate(disk, path, false, 'mkdir');
        if (at.ino !== undefined) throw fsError('EEXIST', 'mkdir', path);
        disk.changeEntries(at.parent, [[at.name, disk.newDir(mode).ino]]);
        return;
      }
      const parts = path.split('/').filter((c) => c !== '');
      for (let i = 1; i <= parts.length; i++) {
        const prefix = `/${parts.slice(0, i).join('/')}`;
        const at = locate(disk, prefix, true, 'mkdir');
        if (at.ino !== undefined) {
          if (disk.node(at.ino).kind !== 'directory') throw fsError(i === parts.length ? 'EEXIST' : 'ENOTDIR', 'mkdir', path);
          continue;
        }
        disk.changeEntries(at.parent, [[at.name, disk.newDir(mode).ino]]);
      }
    },
    rmdir: async (path) => {
      gate.enter('rmdir', path);
      const at = locate(disk, path, false, 'rmdir');
      if (at.ino === undefined) throw fsError('ENOENT', 'rmdir', path);
      const n = disk.node(at.ino);
      if (n.kind !== 'directory') throw fsError('ENOTDIR', 'rmdir', path);
      if (n.entries.size > 0) throw fsError('ENOTEMPTY', 'rmdir', path);
      if (at.name === '' || at.name === '.') throw fsError('EBUSY', 'rmdir', path);
      disk.changeEntries(at.parent, [[at.name, undefined]]);
    },
    copyFile: async (from, to, options: CopyFileOptions = {}) => {
      gate.enter('copyFile', from, to);
      const src = fileAt(from, 'copyfile');
      const dst = locate(disk, to, options.exclusive !== true, 'copyfile');
      let target: FileNode;
      if (dst.ino !== undefined) {
        if (options.exclusive === true) throw fsError('EEXIST', 'copyfile', to);
        const n = disk.node(dst.ino);
        if (n.kind === 'directory') throw fsError('EISDIR', 'copyfile', to);
        target = n as FileNode;
        disk.changeData(target, { kind: 'truncate', size: 0 });
      } else {
        target = create(dst, src.mode);
      }
      if (src.data.length > 0) disk.changeData(target, { kind: 'write', pos: 0, bytes: src.data });
    },
    chmod: async (path, mode) => {
      gate.enter('chmod', path);
      const n = existing(path, 'chmod');
      n.mode = (n.mode & ~0o7777) | (mode & 0o7777);
    },
    utimes: async (path, _atimeMs, mtimeMs) => {
      gate.enter('utimes', path);
      existing(path, 'utime').mtimeMs = mtimeMs;
    },
    symlink: async (target, path) => {
      gate.enter('symlink', path);
      const at = locate(disk, path, false, 'symlink');
      if (at.ino !== undefined) throw fsError('EEXIST', 'symlink', path);
      disk.changeEntries(at.parent, [[at.name, disk.newLink(target).ino]]);
    },
    realpath: async (path) => {
      gate.enter('realpath', path);
      const at = locate(disk, path, true, 'realpath');
      if (at.ino === undefined) throw fsError('ENOENT', 'realpath', path);
      return canonical(at);
    },
    syncDir: async (path) => {
      gate.enter('syncDir', path);
      const n = existing(path, 'fsync');
      if (n.kind !== 'directory') throw fsError('ENOTDIR', 'fsync', path);
      disk.syncEntries(n);
    },
  };
};
