import { describe, expect, it } from 'vitest';
import { createCrashWorld, CrashError } from '../../../src/testing/index.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

const writeFile = async (fs: FileSystem, path: string, content: string, sync: boolean): Promise<void> => {
  const h = await fs.open(path, 'wx');
  await h.write(Buffer.from(content), 0, Buffer.byteLength(content), null);
  if (sync) await h.datasync();
  await h.close();
};

describe('createCrashWorld', () => {
  it('holds the initial files durably, creating their directories', () => {
    const w = createCrashWorld({ files: { 'a.txt': 'A', 'd/e/f.txt': 'F' } });
    expect(w.list()).toEqual(['a.txt', 'd/e/f.txt']);
    expect(w.list('/d')).toEqual(['e/f.txt']);
    const after = w.afterCrash();
    expect(text(after.read('/d/e/f.txt'))).toBe('F');
    expect(w.calls).toBe(0);
  });

  it('loses a created file whose directory was not synced (lose-unsynced)', async () => {
    const w = createCrashWorld();
    await writeFile(w.fs, '/x', 'data', true);
    expect(text(w.read('/x'))).toBe('data');
    expect(w.afterCrash().read('/x')).toBeUndefined();
    await w.fs.syncDir('/');
    expect(text(w.afterCrash().read('/x'))).toBe('data');
  });

  it('exposes the durable (empty) data of a file renamed in without an fsync', async () => {
    const w = createCrashWorld({ files: { 't.txt': 'old' } });
    await writeFile(w.fs, '/tmp1', 'new', false);
    await w.fs.rename('/tmp1', '/t.txt');
    await w.fs.syncDir('/');
    const after = w.afterCrash();
    expect(text(after.read('/t.txt'))).toBe('');
    expect(after.list()).toEqual(['t.txt']);
  });

  it('under reorder, some seed keeps the rename but not the data, and some keeps neither', async () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 64; seed++) {
      const w = createCrashWorld({ model: 'reorder', seed, files: { 't.txt': 'old' } });
      await writeFile(w.fs, '/tmp1', 'new', false);
      await w.fs.rename('/tmp1', '/t.txt');
      const after = w.afterCrash();
      seen.add(`${text(after.read('/t.txt'))}|${after.list().join(',')}`);
    }
    expect(seen).toContain('|t.txt');
    expect(seen).toContain('new|t.txt');
    expect(seen).toContain('old|t.txt');
    // the temp name exists only if its create survived but the rename did not
    expect([...seen].every((s) => !s.startsWith('undefined'))).toBe(true);
  });

  it('is deterministic: the same seed picks the same state', async () => {
    const run = async (seed: number): Promise<string> => {
      const w = createCrashWorld({ model: 'torn', seed });
      await writeFile(w.fs, '/big', 'x'.repeat(5000), false);
      await w.fs.syncDir('/');
      return Buffer.from(w.afterCrash().read('/big') ?? []).toString('hex');
    };
    expect(await run(7)).toBe(await run(7));
    const outcomes = new Set(await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(run)));
    expect(outcomes.size).toBeGreaterThan(2);
  });

  it('under torn, an unsynced write survives block by block: each 512-byte block new, zeros or garbage', async () => {
    const data = Buffer.alloc(3 * 512, 0x41);
    const kinds = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const w = createCrashWorld({ model: 'torn', seed });
      const h = await w.fs.open('/f', 'wx');
      await h.write(data, 0, data.length, null);
      await h.close();
      await w.fs.syncDir('/');
      const got = Buffer.from(w.afterCrash().read('/f') ?? []);
      if (got.length === 0) continue;
      expect(got.length).toBe(data.length);
      for (let b = 0; b < 3; b++) {
        const block = got.subarray(b * 512, (b + 1) * 512);
        kinds.add(block.every((x) => x === 0x41) ? 'new' : block.every((x) => x === 0) ? 'zeros' : 'garbage');
      }
    }
    expect([...kinds].sort()).toEqual(['garbage', 'new', 'zeros']);
  });

  it('cuts the disk and the journal off at the same call', async () => {
    const w = createCrashWorld();
    w.crashAfter(2);
    await w.journal.put('k', 1);
    await w.journal.flush();
    await expect(w.fs.mkdir('/d')).rejects.toBeInstanceOf(CrashError);
    await expect(w.journal.get('k')).rejects.toMatchObject({ code: 'ECRASH' });
    expect(w.crashed).toBe(true);
    expect(w.calls).toBe(2);
    const after = w.afterCrash();
    expect(await after.journal.get('k')).toBe(1);
    expect(after.kindOf('/d')).toBeUndefined();
  });

  it('keeps every resolved journal commit by default, under every model (LMDB as a store opens it)', async () => {
    for (const model of ['lose-unsynced', 'reorder', 'torn'] as const) {
      for (let seed = 0; seed < 10; seed++) {
        const w = createCrashWorld({ model, seed });
        await w.journal.put('a', 1);
        await w.journal.flush();
        await w.journal.put('b', 2);
        await w.journal.put('c', 3);
        expect((await w.afterCrash().journal.range('')).map((e) => e.key).join(''), `${model}, seed ${seed}`).toBe('abc');
        expect((await w.afterCrash({ journal: 'none' }).journal.range('')).map((e) => e.key).join(''), `${model}, seed ${seed}`).toBe('a');
      }
    }
  });

  it("with journalDurability 'flush', keeps flushed journal commits and only a prefix of the unflushed ones", async () => {
    const kept = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const w = createCrashWorld({ model: 'reorder', seed, journalDurability: 'flush' });
      await w.journal.put('a', 1);
      await w.journal.flush();
      await w.journal.put('b', 2);
      await w.journal.put('c', 3);
      const after = w.afterCrash();
      const keys = (await after.journal.range('')).map((e) => e.key).join('');
      kept.add(keys);
    }
    expect([...kept].sort()).toEqual(['a', 'ab', 'abc']);
    const lost = createCrashWorld({ journalDurability: 'flush' });
    await lost.journal.put('b', 2);
    expect(await lost.afterCrash().journal.get('b')).toBeUndefined();
    expect(await lost.afterCrash({ journal: 'all' }).journal.get('b')).toBe(2);
  });

  it('treats a failed fsync as data lost even after a later successful fsync', async () => {
    const w = createCrashWorld({ files: { 'f.txt': 'before' } });
    const h = await w.fs.open('/f.txt', 'r+');
    await h.write(Buffer.from('AFTER!'), 0, 6, 0);
    w.failNextSync('f.txt');
    await expect(h.sync()).rejects.toMatchObject({ code: 'EIO' });
    await h.sync();
    await h.close();
    expect(text(w.read('/f.txt'))).toBe('AFTER!');
    expect(text(w.afterCrash().read('/f.txt'))).toBe('before');
  });

  it('keeps a hard link to the same inode, and the link survives the unlink of the other name', async () => {
    const w = createCrashWorld({ files: { 'a.txt': 'A' } });
    await w.fs.mkdir('/b');
    await w.fs.syncDir('/');
    await w.fs.link('/a.txt', '/b/a.bak');
    await w.fs.syncDir('/b');
    await w.fs.unlink('/a.txt');
    await w.fs.syncDir('/');
    const after = w.afterCrash();
    expect(after.list()).toEqual(['b/a.bak']);
    expect((await w.fs.stat('/b/a.bak')).nlink).toBe(1);
  });

  it('records snapshots so that any crash point can be replayed without re-running', async () => {
    const w = createCrashWorld({ recordCrashPoints: true });
    await writeFile(w.fs, '/x', 'data', true);
    await w.fs.syncDir('/');
    const states = Array.from({ length: w.calls + 1 }, (_, n) => w.afterCrashAt(n).list().join(','));
    expect(states).toEqual(['', '', '', '', '', 'x']);
    const replay = createCrashWorld();
    replay.crashAfter(3);
    await writeFile(replay.fs, '/x', 'data', true).catch(() => undefined);
    expect(replay.afterCrash().list()).toEqual(w.afterCrashAt(3).list());
  });

  it('follows symlinks in realpath and reports them in lstat', async () => {
    const w = createCrashWorld({ files: { 'd/f': 'F' } });
    await w.fs.symlink('/d', '/l');
    expect(await w.fs.realpath('/l/f')).toBe('/d/f');
    expect((await w.fs.lstat('/l')).kind).toBe('symlink');
    expect((await w.fs.stat('/l')).kind).toBe('directory');
    await w.fs.symlink('../outside', '/d/up');
    expect(await w.fs.realpath('/d')).toBe('/d');
    await expect(w.fs.realpath('/d/up')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
