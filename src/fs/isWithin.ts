/**
 * Whether one path lies within a directory, by their spelling (both absolute, resolved): the one rule every
 * containment check of txfs uses.
 */
import * as path from 'node:path';

/** True when `p` is `dir` or below it (`..foo` is a name below it; only `..` itself, or `../…`, climbs out). */
export const isWithin = (dir: string, p: string): boolean => {
  const rel = path.relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
};
