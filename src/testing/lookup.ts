/**
 * Path lookup on the simulated disk, as Linux does it: symlinks followed in every component but the last
 * (and in the last one too when asked), ENOENT / ENOTDIR / ELOOP as the kernel reports them.
 */
import { errnoError, fromOsError, type TxfsError } from '../errors.js';
import { NAME_MAX } from '../fs/fitName.js';
import { ROOT, type Disk, type DirNode } from './disk.js';

/** Where a path leads: its parent directory, its last name, and the inode there (if any). */
export interface Located {
  readonly parent: DirNode;
  readonly name: string;
  readonly ino: number | undefined;
  /** The canonical absolute path of the parent directory. */
  readonly parentPath: string;
}

/**
 * A TxfsError carrying an errno code, as the node adapter would throw it. Built without a stack trace: the
 * simulator throws ENOENT by the thousand (every "is it there?"), and the stack would only point into it.
 */
export const fsError = (code: string, syscall: string, path: string): TxfsError => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fromOsError(errnoError(code, syscall, path), path, syscall);
  } finally {
    Error.stackTraceLimit = limit;
  }
};

const MAX_LINKS = 40;

const split = (path: string): string[] => path.split('/').filter((c) => c !== '' && c !== '.');

/**
 * Resolves `path` to its parent directory and last name. With `followLast`, a symlink in the last
 * component is followed too. Errors: ENOENT (a parent is missing), ENOTDIR, ELOOP, ENAMETOOLONG (a component over 255 bytes).
 */
export const locate = (disk: Disk, path: string, followLast: boolean, syscall: string): Located => {
  let stack: string[] = split(path).reverse();
  let dir = disk.dir(ROOT);
  let dirPath: string[] = [];
  const parents: Array<{ dir: DirNode; path: string[] }> = [];
  let links = 0;
  if (stack.length === 0) return { parent: dir, name: '', ino: ROOT, parentPath: '/' };
  for (;;) {
    const name = stack.pop() as string;
    const last = stack.length === 0;
    // As Linux: a component longer than NAME_MAX bytes fails the lookup, whether it exists or is to be created.
    if (Buffer.byteLength(name) > NAME_MAX) throw fsError('ENAMETOOLONG', syscall, path);
    if (name === '..') {
      const up = parents.pop();
      if (up !== undefined) {
        dir = up.dir;
        dirPath = up.path;
      }
      if (last) return { parent: dir, name: '.', ino: dir.ino, parentPath: `/${dirPath.join('/')}` };
      continue;
    }
    const ino = dir.entries.get(name);
    const node = ino === undefined ? undefined : disk.node(ino);
    if (last && (node === undefined || node.kind !== 'symlink' || !followLast)) {
      return { parent: dir, name, ino, parentPath: `/${dirPath.join('/')}` };
    }
    if (node === undefined) throw fsError('ENOENT', syscall, path);
    if (node.kind === 'symlink') {
      if (++links > MAX_LINKS) throw fsError('ELOOP', syscall, path);
      const target = split(node.target).reverse();
      if (node.target.startsWith('/')) {
        dir = disk.dir(ROOT);
        dirPath = [];
        parents.length = 0;
      }
      stack = [...stack, ...target];
      if (stack.length === 0) return { parent: dir, name: '.', ino: dir.ino, parentPath: `/${dirPath.join('/')}` };
      continue;
    }
    if (node.kind !== 'directory') throw fsError('ENOTDIR', syscall, path);
    parents.push({ dir, path: dirPath });
    dir = node;
    dirPath = [...dirPath, name];
  }
};

/** The canonical path of what `located` names (valid when it exists or its name is not `.`). */
export const canonical = (located: Located): string =>
  located.name === '.' || located.name === '' ? located.parentPath : located.parentPath === '/' ? `/${located.name}` : `${located.parentPath}/${located.name}`;
