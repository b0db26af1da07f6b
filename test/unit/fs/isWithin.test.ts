import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWithin, partsBelow, resolvedPath } from '../../../src/fs/isWithin.js';

/** The rule as `path.relative` states it: what the string comparison on resolved spellings must agree with. */
const byRelative = (dir: string, p: string): readonly string[] | undefined => {
  const rel = path.relative(dir, p);
  if (rel === '') return [];
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel) ? rel.split(path.sep) : undefined;
};

/** Spellings of paths, resolved or not: empty, `.` and `..` components, names that start or end with dots, a trailing `/`. */
const spelling = fc
  .tuple(fc.boolean(), fc.array(fc.constantFrom('a', 'b', 'ab', '', '.', '..', '..a', 'a..', '...', '.a'), { maxLength: 5 }), fc.boolean())
  .map(([absolute, parts, trailing]) => `${absolute ? '/' : ''}${parts.join('/')}${trailing ? '/' : ''}`);

describe('isWithin, partsBelow and resolvedPath', () => {
  it('agree with path.relative and path.resolve on every spelling', () => {
    fc.assert(
      fc.property(spelling, spelling, (dir, p) => {
        expect(partsBelow(dir, p)).toEqual(byRelative(dir, p));
        expect(isWithin(dir, p)).toBe(byRelative(dir, p) !== undefined);
        expect(resolvedPath(p)).toBe(path.resolve(p));
      }),
      { numRuns: 5000 },
    );
  });

  it('agree on resolved spellings, where the string comparison answers', () => {
    fc.assert(
      fc.property(spelling, spelling, (d, q) => {
        const [dir, p] = [path.resolve(d), path.resolve(q)];
        expect(partsBelow(dir, p)).toEqual(byRelative(dir, p));
        expect(isWithin(dir, p)).toBe(byRelative(dir, p) !== undefined);
      }),
      { numRuns: 5000 },
    );
  });

  it('tell a sibling sharing a prefix, a name starting with dots and the root itself', () => {
    expect(isWithin('/a', '/ab')).toBe(false);
    expect(partsBelow('/a', '/a/..b/c')).toEqual(['..b', 'c']);
    expect(partsBelow('/a', '/a/../b')).toBeUndefined();
    expect(partsBelow('/', '/x/y')).toEqual(['x', 'y']);
    expect(partsBelow('/a/b', '/a/b')).toEqual([]);
    expect(isWithin('/a/b/', '/a/b/c')).toBe(true);
    expect(isWithin('/a//b', '/a/b/c')).toBe(true);
  });
});
