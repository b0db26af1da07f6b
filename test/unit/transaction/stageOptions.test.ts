/**
 * How a transaction stages each file: the operation's `mode`, `encoding` and a single `validate` are honoured; a
 * rename whose hard link is refused (another device, EXDEV) falls back to a copy keeping the source's mode; a
 * rename of a large file reports the SHA-256 of what landed; a signal that never fires does not get in the way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import type { Validator } from '../../../src/types.js';
import { trackedFixtures, type Fixture } from './storeFixture.js';

const fixture = trackedFixtures();
const modeOf = (f: Fixture, rel: string): number => fs.statSync(path.join(f.root, rel)).mode & 0o7777;

const noX: Validator = {
  name: 'no-x',
  validate: (content) => {
    if (content.includes('x')) throw new Error('contains an x');
  },
};

describe('staging options', () => {
  it('mode and encoding of the operation are what lands', async () => {
    const f = await fixture({});
    await f.store
      .begin()
      .writeFile('secret.txt', 'top', { mode: 0o600 })
      .writeFile('b64.txt', Buffer.from('decoded!').toString('base64'), { encoding: 'base64' })
      .commit();
    expect(modeOf(f, 'secret.txt')).toBe(0o600);
    expect(f.read('secret.txt')).toBe('top');
    expect(f.read('b64.txt')).toBe('decoded!');
  });

  it('a single validator (not an array) is run: a failure is EVALIDATION and nothing lands', async () => {
    const f = await fixture({ 'a.txt': 'old a' });
    await expect(f.store.begin().writeFile('a.txt', 'has an x', { validate: noX }).writeFile('b.txt', 'b').commit()).rejects.toMatchObject({ code: 'EVALIDATION' });
    expect(f.files()).toEqual(['a.txt']);
    expect(f.read('a.txt')).toBe('old a');
    expect(f.temps()).toEqual([]);
    await f.store.begin().writeFile('a.txt', 'fine', { validate: noX }).commit();
    expect(f.read('a.txt')).toBe('fine');
  });

  it('a signal that never fires does not change the outcome', async () => {
    const f = await fixture({});
    const r = await f.store.begin({ signal: new AbortController().signal }).writeFile('a.txt', 'a').commit();
    expect(r.status).toBe('committed');
    expect(f.read('a.txt')).toBe('a');
  });
});

describe('rename staging', () => {
  it('falls back to a copy when the hard link is refused with EXDEV, keeping the content and the mode of the source', async () => {
    const ffs = createFaultyFileSystem(nodeFileSystem, [{ kind: 'link', nth: 1, errno: 'EXDEV', mode: 'always', pathIncludes: '.txfs-tmp' }]);
    const f = await fixture({ 'src.txt': 'moving content' }, { fs: ffs });
    fs.chmodSync(path.join(f.root, 'src.txt'), 0o640);
    const r = await f.store.begin().rename('src.txt', 'dst.txt').commit();
    expect(ffs.fired.map((c) => c.kind)).toContain('link');
    expect(f.files()).toEqual(['dst.txt']);
    expect(f.read('dst.txt')).toBe('moving content');
    expect(modeOf(f, 'dst.txt')).toBe(0o640);
    expect(r.files.find((x) => x.path === 'dst.txt')).toMatchObject({ action: 'renamed', sha256: sha256Of('moving content'), size: 'moving content'.length });
  });

  it('another link error is the error of the commit, and nothing moves', async () => {
    const ffs = createFaultyFileSystem(nodeFileSystem, [{ kind: 'link', nth: 1, errno: 'EIO', mode: 'always', pathIncludes: '.txfs-tmp' }]);
    const f = await fixture({ 'src.txt': 'staying' }, { fs: ffs });
    await expect(f.store.begin().rename('src.txt', 'dst.txt').commit()).rejects.toMatchObject({ code: 'EIO' });
    expect(f.files()).toEqual(['src.txt']);
    expect(f.temps()).toEqual([]);
  });

  it('a large file (not hashed when noted) renamed reports the SHA-256 of what landed', async () => {
    const big = 'y'.repeat((1 << 20) + 1); // just above the size hashed when a path is noted
    const f = await fixture({ 'big.bin': big });
    const r = await f.store.begin().rename('big.bin', 'moved.bin').commit();
    expect(r.files.find((x) => x.path === 'moved.bin')).toMatchObject({ action: 'renamed', sha256: sha256Of(big), size: big.length });
    expect(f.files()).toEqual(['moved.bin']);
  });
});
