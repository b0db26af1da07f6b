/**
 * Kept directory handles of the confinement, several deep: a call below them looks at every name on the way at the same
 * time (one round trip however deep; none where the adapter can lstat at once), and what no longer matches is walked
 * afresh, step by step.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { confine, releaseConfinement } from '../../../src/fs/confined.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * The node adapter, counting its lstats (`lstats`: those on the thread pool; `atOnce`: its `lstatSync`) and the most
 * of them in flight at once. `sync: false`: without `lstatSync`, as an adapter that cannot look at once.
 */
const counting = ({ sync = false }: { readonly sync?: boolean } = {}): { fs: FileSystem; lstats: () => number; atOnce: () => number; most: () => number; reset: () => void } => {
  let n = 0;
  let now = 0;
  let inFlight = 0;
  let most = 0;
  const pooled = Object.fromEntries(Object.entries(nodeFileSystem).filter(([k]) => k !== 'lstatSync')) as unknown as FileSystem;
  const lstatSync = nodeFileSystem.lstatSync?.bind(nodeFileSystem);
  return {
    lstats: () => n,
    atOnce: () => now,
    most: () => most,
    reset: () => {
      n = 0;
      now = 0;
      most = 0;
    },
    fs: {
      ...pooled,
      ...(sync && lstatSync !== undefined
        ? {
            lstatSync: (p: string) => {
              now++;
              return lstatSync(p);
            },
          }
        : {}),
      lstat: async (p) => {
        n++;
        inFlight++;
        most = Math.max(most, inFlight);
        // Held a moment, so that looks asked for together are seen together.
        await new Promise((r) => setImmediate(r));
        return nodeFileSystem.lstat(p).finally(() => inFlight--);
      },
    },
  };
};

/** A root holding a/b/c, confined over the counting adapter (`sync`: with its `lstatSync`). */
const keptRoot = (sync = false): { root: string; c: ReturnType<typeof counting>; confined: FileSystem } => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-kept-')));
  dirs.push(root);
  fs.mkdirSync(path.join(root, 'a', 'b', 'c'), { recursive: true });
  const c = counting({ sync });
  return { root, c, confined: confine(c.fs, { root, rootReal: root, alsoWithin: [] }) };
};

/** Writes `text` to `file` through `confined`, as a write of a store does: open, write, close. */
const writer = (confined: FileSystem, file: string) => async (text: string): Promise<void> => {
  const fh = await confined.open(file, 'w');
  await fh.write(Buffer.from(text), 0, text.length, 0);
  await fh.close();
};

/**
 * `a/b/c/f.txt` written through `confined` twice: the first write walks, keeping a, a/b and a/b/c; the counts are
 * reset before the second, so that they show what a call below kept handles costs.
 */
const writtenTwice = async ({ root, c, confined }: ReturnType<typeof keptRoot>): Promise<{ file: string; write: (text: string) => Promise<void> }> => {
  const file = path.join(root, 'a', 'b', 'c', 'f.txt');
  const write = writer(confined, file);
  await write('one');
  c.reset();
  await write('two');
  return { file, write };
};

describe('confinement: kept handles several deep', () => {
  it('looks at every kept directory on the way at once, and walks afresh past one that was replaced', async () => {
    const { root, c, confined } = keptRoot();
    try {
      const { file, write } = await writtenTwice({ root, c, confined });
      // One look per directory on the way, all three in flight together.
      expect(c.lstats()).toBe(3);
      expect(c.most()).toBe(3);
      // The middle one replaced: its look no longer matches, and the walk opens the new one.
      fs.renameSync(path.join(root, 'a', 'b'), path.join(root, 'b.old'));
      fs.mkdirSync(path.join(root, 'a', 'b', 'c'), { recursive: true });
      await write('three');
      expect(fs.readFileSync(file, 'utf8')).toBe('three');
      expect(fs.readFileSync(path.join(root, 'b.old', 'c', 'f.txt'), 'utf8')).toBe('two');
      c.reset();
      await write('four');
      expect(c.lstats()).toBe(3);
      expect(fs.readFileSync(file, 'utf8')).toBe('four');
    } finally {
      await releaseConfinement(confined);
    }
  });

  it('a rename within one kept directory resolves both its paths at once, sharing their looks', async () => {
    const { root, c, confined } = keptRoot();
    try {
      const at = (name: string): string => path.join(root, 'a', 'b', 'c', name);
      fs.writeFileSync(at('x'), 'x');
      await confined.lstat(at('x')); // walks, keeping a, a/b and a/b/c
      c.reset();
      await confined.rename(at('x'), at('y'));
      // Three directories looked at once for both paths (one after the other: six).
      expect(c.lstats()).toBe(3);
      expect(fs.readFileSync(at('y'), 'utf8')).toBe('x');
    } finally {
      await releaseConfinement(confined);
    }
  });

  it('with an adapter that can lstat at once, every look (and a lstat below the root) runs at once, and a replaced directory is still walked afresh', async () => {
    const { root, c, confined } = keptRoot(true);
    try {
      const { file, write } = await writtenTwice({ root, c, confined });
      // One look per directory on the way, none of them on the thread pool.
      expect(c.atOnce()).toBe(3);
      expect(c.lstats()).toBe(0);
      c.reset();
      expect((await confined.lstat(file)).size).toBe(3);
      // The three looks on the way and the file's own lstat.
      expect(c.atOnce()).toBe(4);
      expect(c.lstats()).toBe(0);
      // The middle one replaced by a link to a directory outside the root: the look does not match, and the walk
      // meets the link and refuses to follow it out of the root.
      const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-kept-out-')));
      dirs.push(outside);
      fs.mkdirSync(path.join(outside, 'c'));
      fs.renameSync(path.join(root, 'a', 'b'), path.join(root, 'b.old'));
      fs.symlinkSync(outside, path.join(root, 'a', 'b'));
      await expect(write('three')).rejects.toMatchObject({ code: 'EOUTSIDE' });
      expect(fs.readdirSync(path.join(outside, 'c'))).toEqual([]);
      await expect(confined.lstat(file)).rejects.toMatchObject({ code: 'EOUTSIDE' });
      expect(fs.readFileSync(path.join(root, 'b.old', 'c', 'f.txt'), 'utf8')).toBe('two');
      // A new directory there instead: the write lands in it.
      fs.unlinkSync(path.join(root, 'a', 'b'));
      fs.mkdirSync(path.join(root, 'a', 'b', 'c'), { recursive: true });
      await write('four');
      expect(fs.readFileSync(file, 'utf8')).toBe('four');
      expect(fs.readFileSync(path.join(root, 'b.old', 'c', 'f.txt'), 'utf8')).toBe('two');
    } finally {
      await releaseConfinement(confined);
    }
  });
});
