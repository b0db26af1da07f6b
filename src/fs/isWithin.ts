/**
 * Whether one path lies within a directory, by their spelling (both absolute, resolved): the one rule every
 * containment check of txfs uses.
 *
 * Paths already spelled as `path.resolve` spells them (on POSIX: absolute, no empty, `.` or `..` component, no
 * trailing `/`) are compared as strings, which is what `path.relative` concludes for them; any other spelling goes
 * through `path.relative`. Every confined file system call asks this several times, and `path.relative` resolves both
 * of its arguments each time: the string comparison gives the same answer at a fraction of the cost.
 */
import * as path from 'node:path';

/** What `path.resolve` would fold: an empty component (`//`), a `.` or `..` one (followed by `/` or the end), a trailing `/`. */
const unresolved = /\/(?:\/|\.\.?(?:\/|$)|$)/;

/** True when `p` is spelled as `path.resolve(p)` spells it (POSIX only; elsewhere always false). */
const isResolved = (p: string): boolean => path.sep === '/' && p.startsWith('/') && (p === '/' || !unresolved.test(p));

/** `p` made absolute and normal, as `path.resolve(p)` gives it (returned as it is when it is already). */
export const resolvedPath = (p: string): string => (isResolved(p) ? p : path.resolve(p));

/** `p` spelled relative to `dir` (`''` when it is `dir`), undefined when `p` is not within `dir`. */
const below = (dir: string, p: string): string | undefined => {
  if (isResolved(dir) && isResolved(p)) {
    if (p === dir) return '';
    const prefix = dir === '/' ? '/' : `${dir}/`;
    return p.startsWith(prefix) ? p.slice(prefix.length) : undefined;
  }
  const rel = path.relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)) ? rel : undefined;
};

/** The components of `p` below `dir` (`[]` when `p` is `dir`), undefined when `p` is not within `dir`. */
export const partsBelow = (dir: string, p: string): readonly string[] | undefined => {
  const rel = below(dir, p);
  return rel === undefined ? undefined : rel === '' ? [] : rel.split(path.sep);
};

/** True when `p` is `dir` or below it (`..foo` is a name below it; only `..` itself, or `../…`, climbs out). */
export const isWithin = (dir: string, p: string): boolean => below(dir, p) !== undefined;
