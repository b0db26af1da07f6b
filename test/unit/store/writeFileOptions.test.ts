/**
 * `store.writeFile` honours its WriteOptions per call: `fsync: false` makes no fsync of the file or its directory,
 * `verify: 'readback'` catches a disk that does not store what was written (before anything is replaced), a bad
 * option value is a TypeError naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileHandle, FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { trackedFixtures } from '../transaction/storeFixture.js';

const fixture = trackedFixtures();

/** The node adapter, counting fsyncs and fdatasyncs of files and directories. */
const counting = (): { fs: FileSystem; syncs: () => number } => {
  let n = 0;
  const wrapHandle = (h: FileHandle): FileHandle => ({
    ...h,
    write: (...a) => h.write(...a),
    read: (...a) => h.read(...a),
    stat: () => h.stat(),
    truncate: (l) => h.truncate(l),
    close: () => h.close(),
    sync: () => (n++, h.sync()),
    datasync: () => (n++, h.datasync()),
  });
  return {
    fs: { ...nodeFileSystem, open: async (p, f, m) => wrapHandle(await nodeFileSystem.open(p, f, m)), syncDir: (p) => (n++, nodeFileSystem.syncDir(p)) },
    syncs: () => n,
  };
};

/** A disk that flips one byte of every write into a temp file (what was written is not what is stored). */
const corrupting = (): FileSystem => ({
  ...nodeFileSystem,
  open: async (p, f, m) => {
    const h = await nodeFileSystem.open(p, f, m);
    if (!p.endsWith('.txfs-tmp')) return h;
    return {
      ...h,
      write: (buffer, offset, length, position) => {
        const copy = Buffer.from(buffer.subarray(offset, offset + length));
        if (copy.length > 0) copy[0] = (copy[0] ?? 0) ^ 0xff;
        return h.write(copy, 0, copy.length, position);
      },
    };
  },
});

describe('store.writeFile options', () => {
  it('fsync: false makes no fsync of the file or its directories; the default makes them', async () => {
    const c = counting();
    const f = await fixture({ 'a.txt': 'old' }, { fs: c.fs });
    let before = c.syncs();
    await f.store.writeFile('a.txt', 'synced');
    const synced = c.syncs() - before;
    before = c.syncs();
    await f.store.writeFile('a.txt', 'not synced', { fsync: false });
    const unsynced = c.syncs() - before;
    expect(synced).toBeGreaterThanOrEqual(2);
    expect(unsynced).toBeLessThan(synced);
    expect(unsynced).toBeLessThanOrEqual(1); // at most the backup directory's
    expect(fs.readFileSync(path.join(f.root, 'a.txt'), 'utf8')).toBe('not synced');
  });

  it("verify: 'readback' on a disk that corrupts writes is EINTEGRITY before anything is replaced", async () => {
    const f = await fixture({ 'a.txt': 'old' }, { fs: corrupting() });
    await expect(f.store.writeFile('a.txt', 'new content', { verify: 'readback' })).rejects.toMatchObject({ code: 'EINTEGRITY', path: 'a.txt' });
    expect(fs.readFileSync(path.join(f.root, 'a.txt'), 'utf8')).toBe('old');
    expect(fs.readdirSync(f.root).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
    // Without readback the same disk goes unnoticed at write time (what 'checksum' hashes is what was handed over).
    await f.store.writeFile('a.txt', 'new content');
    expect(fs.readFileSync(path.join(f.root, 'a.txt'), 'utf8')).not.toBe('new content');
  });

  it.each([['verify', 'bogus'], ['fsync', 'yes'], ['mode', 'rw']])('a bad %s is a TypeError naming it', async (name, value) => {
    const f = await fixture({});
    await expect(f.store.writeFile('a.txt', 'x', { [name]: value })).rejects.toThrow(new RegExp(`options\\.${name}`));
    expect(fs.existsSync(path.join(f.root, 'a.txt'))).toBe(false);
  });
});

describe('store.writeFile with a BackupPolicy of its own', () => {
  it('applies it to that file after the commit: backup: { keep: 1 } twice leaves one backup', async () => {
    const f = await fixture({ 'a.txt': 'v0', 'b.txt': 'b0' });
    await f.store.writeFile('a.txt', 'v1', { backup: { keep: 1 } });
    await f.store.writeFile('a.txt', 'v2', { backup: { keep: 1 } });
    await f.store.writeFile('a.txt', 'v3', { backup: { keep: 1 } });
    const kept = await f.store.backups.list('a.txt');
    expect(kept).toHaveLength(1);
    expect(fs.readFileSync(kept[0]?.file ?? '', 'utf8')).toBe('v2');
    // Another file keeps the store's policy (default: 5).
    for (const v of ['b1', 'b2', 'b3']) await f.store.writeFile('b.txt', v);
    expect(await f.store.backups.list('b.txt')).toHaveLength(3);
  });
});
