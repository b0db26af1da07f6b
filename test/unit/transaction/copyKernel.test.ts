/**
 * tx.copy stages in the kernel (copyFile into the temp), never through a JS read/write loop; a source the manifest
 * vouches for is not read at all, any other (large) source is read and hashed beside the copy. Seen through the node
 * adapter with its calls counted.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openStore } from '../../../src/store/openStore.js';

const scratch: string[] = [];
afterEach(() => {
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The node adapter, recording which files were copied and which were read through JS (streamed, or opened to read). */
const counting = () => {
  const copied: string[] = [];
  const streamed: string[] = [];
  const fsc: FileSystem = {
    ...nodeFileSystem,
    copyFile: async (from, to, o) => {
      copied.push(path.basename(from));
      return nodeFileSystem.copyFile(from, to, o);
    },
    readStream: (p, o) => {
      streamed.push(path.basename(p));
      return nodeFileSystem.readStream(p, o);
    },
    readFile: async (p) => {
      streamed.push(path.basename(p));
      return nodeFileSystem.readFile(p);
    },
    open: async (p, flags, mode) => {
      if (flags === 'r') streamed.push(path.basename(p));
      return nodeFileSystem.open(p, flags, mode);
    },
  };
  return { fs: fsc, copied, streamed };
};

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const big = Buffer.alloc(3 * 1024 * 1024, 'q'); // over the size up to which a file is hashed when noted

describe('tx.copy in the kernel', () => {
  it('copies a source the store wrote without reading it, and records its SHA-256', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-copy-'));
    scratch.push(root);
    const c = counting();
    const store = await openStore({ root, fs: c.fs });
    try {
      await store.writeFile('src.dat', big);
      c.streamed.length = 0;
      const r = await store.transaction((tx) => void tx.copy('src.dat', 'dst.dat'));
      expect(c.copied).toEqual(['src.dat']);
      expect(c.streamed.filter((n) => n.includes('dst.dat') || n === 'src.dat')).toEqual([]);
      expect(r.files.find((f) => f.path === 'dst.dat')?.sha256).toBe(sha(big));
      expect(fs.readFileSync(path.join(root, 'dst.dat')).equals(big)).toBe(true);
      expect((await store.verify()).problems ?? []).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('hashes a source new to the store (and one changed since the store wrote it) as it is copied, not the copy', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-copy-'));
    scratch.push(root);
    fs.writeFileSync(path.join(root, 'ext.dat'), big);
    const c = counting();
    const store = await openStore({ root, fs: c.fs });
    try {
      const r = await store.transaction((tx) => void tx.copy('ext.dat', 'dst.dat'));
      expect(c.copied).toEqual(['ext.dat']);
      expect(c.streamed.filter((n) => n.includes('dst.dat'))).toEqual([]);
      expect(c.streamed.filter((n) => n === 'ext.dat').length).toBe(1);
      expect(r.files.find((f) => f.path === 'dst.dat')?.sha256).toBe(sha(big));
      // Written by the store, then changed behind its back (same size, new content): the manifest no longer vouches.
      await store.writeFile('s2.dat', big);
      const changed = Buffer.alloc(big.length, 'z');
      fs.writeFileSync(path.join(root, 's2.dat'), changed);
      c.streamed.length = 0;
      const r2 = await store.transaction((tx) => void tx.copy('s2.dat', 'd2.dat'));
      expect(r2.files.find((f) => f.path === 'd2.dat')?.sha256).toBe(sha(changed));
      expect(c.streamed.filter((n) => n === 's2.dat' || n.includes('d2.dat'))).toEqual(['s2.dat']);
      expect(fs.readFileSync(path.join(root, 'd2.dat')).equals(changed)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
