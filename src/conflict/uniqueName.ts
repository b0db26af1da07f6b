/**
 * Free names beside a taken one: `name (1).ext` for 'rename', `name (conflict YYYY-MM-DD HHMMSS).ext` for 'keep-both'.
 */
import { basename, dirname, extname, join } from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';

const MAX_TRIES = 10_000;

/** `a.txt` → ['a', '.txt']; `.bashrc` → ['.bashrc', '']; `archive.tar.gz` → ['archive.tar', '.gz']. */
export const splitName = (name: string): readonly [stem: string, ext: string] => {
  const ext = extname(name);
  return [name.slice(0, name.length - ext.length), ext];
};

/** True when nothing (not even a dangling symlink) is at `path`. */
const isFree = async (fs: FileSystem, path: string): Promise<boolean> => {
  try {
    await fs.lstat(path);
    return false;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return true;
    throw e;
  }
};

/** The first free path of `candidate(1)`, `candidate(2)`, … */
const firstFree = async (fs: FileSystem, absPath: string, candidate: (i: number) => string): Promise<string> => {
  for (let i = 1; i <= MAX_TRIES; i++) {
    const p = candidate(i);
    if (await isFree(fs, p)) return p;
  }
  throw new TxfsError('EEXIST', `EEXIST: no free name found beside ${absPath} after ${MAX_TRIES} tries; clean up the directory`, { path: absPath });
};

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HHMMSS` in UTC. */
export const conflictStamp = (now: number): string => {
  const d = new Date(now);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
};

/**
 * The first free `name (1).ext`, `name (2).ext`, … beside `absPath`. Free at the time of the check only:
 * install with an exclusive operation (link, 'wx') and ask again on EEXIST.
 * @throws TxfsError EEXIST when 10,000 names are taken; ENOTDIR, EACCES … from lstat.
 */
export const renamedPath = async (fs: FileSystem, absPath: string): Promise<string> => {
  const [stem, ext] = splitName(basename(absPath));
  const dir = dirname(absPath);
  return firstFree(fs, absPath, (i) => join(dir, `${stem} (${i})${ext}`));
};

/**
 * A free `name (conflict YYYY-MM-DD HHMMSS).ext` beside `absPath` (UTC time of `now`), with ` (2)`, ` (3)` … added when taken.
 * @throws TxfsError EEXIST when 10,000 names are taken; ENOTDIR, EACCES … from lstat.
 */
export const keepBothPath = async (fs: FileSystem, absPath: string, now: number): Promise<string> => {
  const [stem, ext] = splitName(basename(absPath));
  const dir = dirname(absPath);
  const base = `${stem} (conflict ${conflictStamp(now)})`;
  return firstFree(fs, absPath, (i) => join(dir, `${base}${i === 1 ? '' : ` (${i})`}${ext}`));
};
