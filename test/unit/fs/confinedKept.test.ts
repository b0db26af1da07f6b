/**
 * Kept directory handles of the confinement, several deep: a call below them looks at every name on the way at the same
 * time (one round trip however deep), and what no longer matches is walked afresh, step by step.
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

/** The node adapter, counting its lstats and the most of them in flight at once. */
const counting = (): { fs: FileSystem; lstats: () => number; most: () => number; reset: () => void } => {
  let n = 0;
  let inFlight = 0;
  let most = 0;
  return {
    lstats: () => n,
    most: () => most,
    reset: () => {
      n = 0;
      most = 0;
    },
    fs: {
      ...nodeFileSystem,
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

/** A root holding a/b/c, confined over the counting adapter. */
const keptRoot = (): { root: string; c: ReturnType<typeof counting>; confined: FileSystem } => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-kept-')));
  dirs.push(root);
  fs.mkdirSync(path.join(root, 'a', 'b', 'c'), { recursive: true });
  const c = counting();
  return { root, c, confined: confine(c.fs, { root, rootReal: root, alsoWithin: [] }) };
};

describe('confinement: kept handles several deep', () => {
  it('looks at every kept directory on the way at once, and walks afresh past one that was replaced', async () => {
    const { root, c, confined } = keptRoot();
    try {
      const file = path.join(root, 'a', 'b', 'c', 'f.txt');
      const write = async (text: string): Promise<void> => {
        const fh = await confined.open(file, 'w');
        await fh.write(Buffer.from(text), 0, text.length, 0);
        await fh.close();
      };
      await write('one'); // walks, keeping a, a/b and a/b/c
      c.reset();
      await write('two');
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
});
