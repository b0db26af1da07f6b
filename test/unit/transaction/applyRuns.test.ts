/**
 * Step 7 applies operations on unrelated paths at the same time, and one that touches a path an earlier one touched
 * (the same file, a directory above it, a rename's source) only after it: the result is the caller's order's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openStore } from '../../../src/store/openStore.js';
import { independentRuns } from '../../../src/transaction/apply.js';
import type { PlannedOp } from '../../../src/transaction/plannedOp.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** An operation as step 7 sees it (only what `independentRuns` reads). */
const op = (index: number, kind: PlannedOp['kind'], target: string, source?: string, skipped = false): PlannedOp =>
  ({ index, kind, target: { abs: `/r/${target}`, rel: target }, ...(source === undefined ? {} : { source: { abs: `/r/${source}`, rel: source } }), skipped }) as unknown as PlannedOp;
const indexes = (runs: PlannedOp[][]): number[][] => runs.map((r) => r.map((o) => o.index));

describe('independentRuns', () => {
  it('keeps unrelated paths in one run', () => {
    expect(indexes(independentRuns([op(0, 'write', 'a'), op(1, 'write', 'b'), op(2, 'delete', 'd/c'), op(3, 'copy', 'd/e', 'a')]))).toEqual([[0, 1, 2, 3]]);
  });

  it('starts a new run at an operation on a path changed before it, a path below one, or a directory above one', () => {
    // The same target twice.
    expect(indexes(independentRuns([op(0, 'write', 'a'), op(1, 'write', 'b'), op(2, 'write', 'a')]))).toEqual([[0, 1], [2]]);
    // A rename takes its source away: a later write of that name comes after it, as does one of its target.
    expect(indexes(independentRuns([op(0, 'rename', 'b', 'a'), op(1, 'write', 'a'), op(2, 'write', 'c')]))).toEqual([[0], [1, 2]]);
    // A file below a path changed earlier, and a path above a file changed earlier.
    expect(indexes(independentRuns([op(0, 'delete', 'x'), op(1, 'write', 'x/y')]))).toEqual([[0], [1]]);
    expect(indexes(independentRuns([op(0, 'write', 'x/y'), op(1, 'delete', 'x')]))).toEqual([[0], [1]]);
    // Names that merely begin alike are unrelated.
    expect(indexes(independentRuns([op(0, 'write', 'x'), op(1, 'write', 'xy/z'), op(2, 'write', 'x.txt')]))).toEqual([[0, 1, 2]]);
  });

  it('leaves skipped operations out', () => {
    expect(indexes(independentRuns([op(0, 'write', 'a', undefined, true), op(1, 'write', 'a')]))).toEqual([[1]]);
    expect(independentRuns([])).toEqual([]);
  });
});

describe('step 7 on the disk', () => {
  /** The node adapter, holding each rename until `width` of them are in flight at once (or 50 ms pass). */
  const overlapping = (width: number): { fs: FileSystem; most: () => number } => {
    let inFlight = 0;
    let most = 0;
    const arrived: Array<() => void> = [];
    return {
      most: () => most,
      fs: {
        ...nodeFileSystem,
        rename: async (a, b) => {
          inFlight++;
          most = Math.max(most, inFlight);
          if (!path.basename(b).endsWith('.txt')) return nodeFileSystem.rename(a, b).finally(() => inFlight--);
          const all = new Promise<void>((r) => arrived.push(r));
          if (arrived.length >= width) for (const r of arrived.splice(0)) r();
          await Promise.race([all, new Promise((r) => setTimeout(r, 50))]);
          return nodeFileSystem.rename(a, b).finally(() => inFlight--);
        },
      },
    };
  };

  it('renames the temps of unrelated targets at once', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-apply-'));
    roots.push(root);
    const o = overlapping(4);
    const store = await openStore({ root, fs: o.fs });
    try {
      await store.transaction((tx) => {
        for (let i = 0; i < 6; i++) tx.writeFile(`f${i}.txt`, `v${i}`);
      });
      expect(o.most()).toBeGreaterThanOrEqual(4);
      for (let i = 0; i < 6; i++) expect(fs.readFileSync(path.join(root, `f${i}.txt`), 'utf8')).toBe(`v${i}`);
    } finally {
      await store.close();
    }
  });

  it('a rename, a delete and writes in one directory and below it land as in the caller\'s order', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-apply-'));
    roots.push(root);
    fs.writeFileSync(path.join(root, 'a.txt'), 'first');
    fs.writeFileSync(path.join(root, 'gone.txt'), 'bye');
    const store = await openStore({ root });
    try {
      await store.transaction((tx) => void tx.mkdir('sub').rename('a.txt', 'sub/b.txt').delete('gone.txt').writeFile('c.txt', 'third').writeFile('sub/d.txt', 'fourth'));
      expect(fs.readFileSync(path.join(root, 'sub/b.txt'), 'utf8')).toBe('first');
      expect(fs.existsSync(path.join(root, 'a.txt'))).toBe(false);
      expect(fs.existsSync(path.join(root, 'gone.txt'))).toBe(false);
      expect(fs.readFileSync(path.join(root, 'c.txt'), 'utf8')).toBe('third');
      expect(fs.readFileSync(path.join(root, 'sub/d.txt'), 'utf8')).toBe('fourth');
      expect((await store.verify()).problems ?? []).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
