import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listBackupRecords } from '../../../src/backup/backupIndex.js';
import { compressBackup } from '../../../src/store/compress.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { storeContextOf, openStore } from '../../../src/store/openStore.js';
import type { BackupPolicy, Backups, Store } from '../../../src/types.js';
import { flipByte, listFiles } from '../backup/fixture.js';

describe('store.backups', () => {
  let root: string;
  let store: Store;
  let backups: Backups;
  const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');
  const open = async (policy?: BackupPolicy): Promise<void> => {
    store = await openStore({ root, ...(policy === undefined ? {} : { backups: policy }) });
    backups = store.backups;
  };
  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    await open();
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const noTemps = (): string[] => listFiles(root).filter((f) => f.endsWith('.txfs-tmp'));

  it('lists the replaced versions newest first and restores any of them, itself undoably', async () => {
    for (const v of ['one', 'two', 'three']) await store.writeFile('doc.txt', v);
    const list = await backups.list('doc.txt');
    expect(list.map((b) => fs.readFileSync(b.file, 'utf8'))).toEqual(['two', 'one']);
    expect(list.every((b) => b.path === 'doc.txt' && b.txId !== undefined && !b.compressed)).toBe(true);

    const oldest = list[1];
    if (oldest === undefined) throw new Error('no backup');
    const r = await backups.restore('doc.txt', { backup: oldest.id });
    expect(r.status).toBe('committed');
    expect(read('doc.txt')).toBe('one');
    // The restore backed up what it replaced: the newest backup is now 'three'.
    expect(fs.readFileSync((await backups.list('doc.txt'))[0]?.file ?? '', 'utf8')).toBe('three');
    await backups.restore('doc.txt');
    expect(read('doc.txt')).toBe('three');
  });

  it('follows txfs’s own renames: the versions of a.xml stay in b.xml’s history, and restore from there', async () => {
    await store.writeFile('a.xml', '<v1/>');
    await store.writeFile('a.xml', '<v2/>');
    await store.transaction((tx) => void tx.rename('a.xml', 'b.xml'));
    await store.writeFile('b.xml', '<v3/>');
    await store.writeFile('a.xml', '<another a/>');
    await store.writeFile('a.xml', '<another a, again/>');
    const history = await backups.list('b.xml');
    expect(history.map((b) => [b.path, fs.readFileSync(b.file, 'utf8')])).toEqual([
      ['b.xml', '<v2/>'],
      ['a.xml', '<v1/>'],
    ]);
    // The new a.xml's own versions are not b.xml's.
    expect((await backups.list('a.xml')).map((b) => fs.readFileSync(b.file, 'utf8'))).toEqual(['<another a/>', '<v1/>']);
    await backups.restore('b.xml', { backup: history[1]?.id ?? '' });
    expect(read('b.xml')).toBe('<v1/>');
  });

  it('notes that the version a restore replaced was replaced by a restore', async () => {
    await store.writeFile('a.txt', 'v1');
    await store.writeFile('a.txt', 'v2');
    await backups.restore('a.txt');
    const recs = await listBackupRecords(storeContextOf(store).env, 'a.txt');
    expect(recs.map((r) => [r.reason, fs.readFileSync(path.join(storeContextOf(store).backupDir, r.file), 'utf8')])).toEqual([
      ['restored', 'v2'],
      ['replaced', 'v1'],
    ]);
  });

  it('restores to another path, creating its directories', async () => {
    await store.writeFile('a.txt', 'old');
    await store.writeFile('a.txt', 'new');
    const entry = (await backups.list('a.txt'))[0];
    if (entry === undefined) throw new Error('no backup');
    await backups.restore('a.txt', { backup: entry, to: 'old/copies/a.txt' });
    expect(read('old/copies/a.txt')).toBe('old');
    expect(read('a.txt')).toBe('new');
  });

  it('refuses a corrupted backup with EINTEGRITY and leaves the file and the directory as they were', async () => {
    await store.writeFile('a.txt', 'hello world');
    await store.writeFile('a.txt', 'current');
    const entry = (await backups.list('a.txt'))[0];
    if (entry === undefined) throw new Error('no backup');
    flipByte(entry.file, 2);
    await expect(backups.restore('a.txt')).rejects.toMatchObject({ code: 'EINTEGRITY' });
    expect(read('a.txt')).toBe('current');
    expect(noTemps()).toEqual([]);
    const report = await backups.verify();
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'corrupted', path: entry.file })]);
  });

  it('reports a backup whose file is gone, and restore says ENOENT', async () => {
    await store.writeFile('a.txt', 'v1');
    await store.writeFile('a.txt', 'v2');
    const entry = (await backups.list('a.txt'))[0];
    if (entry === undefined) throw new Error('no backup');
    fs.rmSync(entry.file);
    await expect(backups.restore('a.txt')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(read('a.txt')).toBe('v2');
    expect((await backups.verify()).problems).toEqual([expect.objectContaining({ kind: 'missing', path: entry.file })]);
  });

  it('says ENOENT for a file without backups or an unknown backup id, EOUTSIDE for a path outside the root', async () => {
    await store.writeFile('a.txt', 'v1');
    await expect(backups.restore('a.txt')).rejects.toMatchObject({ code: 'ENOENT' });
    await store.writeFile('a.txt', 'v2');
    await expect(backups.restore('a.txt', { backup: 'nope' })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(backups.list('../elsewhere.txt')).rejects.toMatchObject({ code: 'EOUTSIDE' });
  });

  it('refuses to restore to a path outside the root with EOUTSIDE, before anything is touched', async () => {
    await store.writeFile('a.txt', 'v1');
    await store.writeFile('a.txt', 'v2');
    const outside = path.join(path.dirname(root), `${path.basename(root)}-outside.txt`);
    for (const to of ['../escaped.txt', outside, 'sub/../../escaped.txt']) {
      await expect(backups.restore('a.txt', { to })).rejects.toMatchObject({ code: 'EOUTSIDE' });
    }
    await expect(backups.restore('../a.txt')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    fs.symlinkSync(path.dirname(root), path.join(root, 'link'));
    await expect(backups.restore('a.txt', { to: 'link/escaped.txt' })).rejects.toMatchObject({ code: 'EOUTSIDE' });
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(root), 'escaped.txt'))).toBe(false);
    expect(read('a.txt')).toBe('v2');
    expect(await backups.list('a.txt')).toHaveLength(1);
  });

  it('keeps a deleted file in the backup store, from where it comes back with its directory', async () => {
    await store.writeFile('sub/dir/gone.txt', 'precious', { mkdirp: true });
    await store.deleteFile('sub/dir/gone.txt');
    fs.rmSync(path.join(root, 'sub'), { recursive: true });
    expect(await backups.list('sub/dir/gone.txt')).toHaveLength(1);
    await backups.restore('sub/dir/gone.txt');
    expect(read('sub/dir/gone.txt')).toBe('precious');
  });

  it('makes a manual backup: a copy, not a link the live file could change', async () => {
    await store.writeFile('a.txt', 'as it is now');
    const entry = await backups.create('a.txt');
    expect(entry).toMatchObject({ path: 'a.txt', size: 12, compressed: false });
    expect(entry.txId).toBeUndefined();
    expect(fs.statSync(entry.file).ino).not.toBe(fs.statSync(path.join(root, 'a.txt')).ino);
    fs.writeFileSync(path.join(root, 'a.txt'), 'edited in place');
    expect(fs.readFileSync(entry.file, 'utf8')).toBe('as it is now');
    expect(await backups.verify()).toMatchObject({ checked: 1, ok: 1, problems: [] });
    await expect(backups.create('missing.txt')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a file in the backup directory that no index entry names, and leaves it there', async () => {
    await store.writeFile('a.txt', 'v1');
    await store.writeFile('a.txt', 'v2');
    const stray = path.join(storeContextOf(store).backupDir, 'a-20200101-000000-x.txt.bak');
    fs.writeFileSync(stray, 'stray');
    const report = await backups.verify();
    expect(report).toMatchObject({ checked: 1, ok: 1 });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'unindexed', path: stray })]);
    expect(fs.existsSync(stray)).toBe(true);
    await backups.prune();
    expect(fs.existsSync(stray)).toBe(true);
  });

  it('applies retention after each commit: keeps N, gzips the older ones, and what is kept still restores', async () => {
    await store.close();
    await open({ keep: 3, compressAfter: 1 });
    const version = (n: number): string => `${n} `.repeat(4000);
    for (let n = 0; n < 6; n++) await store.writeFile('big.txt', version(n));
    const list = await backups.list('big.txt');
    expect(list.map((b) => b.compressed)).toEqual([false, true, true]);
    expect(listFiles(storeContextOf(store).backupDir)).toHaveLength(3);
    expect(await backups.verify()).toMatchObject({ checked: 3, ok: 3, problems: [] });
    await backups.restore('big.txt', { backup: list[2]?.id ?? '' });
    expect(read('big.txt')).toBe(version(2));
    const usage = await backups.usage();
    expect(usage).toMatchObject({ files: 1, backups: 3 });
    expect(usage.compressedBytes).toBeGreaterThan(0);
    expect(usage.compressedBytes).toBeLessThan(usage.bytes);
  });

  it('goes on with retention past an indexed backup whose file is gone: it stays reported as missing, the rest is gzipped', async () => {
    await store.close();
    const warnings: unknown[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (o: unknown) => void warnings.push(o), error: () => undefined };
    store = await openStore({ root, logger, backups: { keep: 5, compressAfter: 1 } });
    backups = store.backups;
    const version = (n: number): string => `${n} `.repeat(4000);
    await store.writeFile('big.txt', version(0));
    await store.writeFile('big.txt', version(1));
    const [gone] = await backups.list('big.txt');
    if (gone === undefined) throw new Error('no backup');
    fs.rmSync(gone.file);
    await store.writeFile('big.txt', version(2));
    await store.writeFile('big.txt', version(3));
    expect(await backups.prune()).toEqual({ removed: 0, freedBytes: 0 });
    const list = await backups.list('big.txt');
    expect(list.map((b) => [b.id === gone.id, b.compressed])).toEqual([
      [false, false],
      [false, true],
      [true, false],
    ]);
    expect((await backups.verify()).problems).toEqual([expect.objectContaining({ kind: 'missing', path: gone.file })]);
    expect(warnings).toEqual([]);
    await backups.restore('big.txt', { backup: list[1]?.id ?? '' });
    expect(read('big.txt')).toBe(version(1));
    expect(await backups.list('big.txt')).toHaveLength(4); // settles the retention run after the restore
    expect(noTemps()).toEqual([]);
  });

  it('keeps the commit when gzip meets a full disk: the backup stays uncompressed and restorable, a later prune gzips it', async () => {
    await store.close();
    const ffs = createFaultyFileSystem(nodeFileSystem);
    const warnings: unknown[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (o: unknown) => void warnings.push(o), error: () => undefined };
    store = await openStore({ root, fs: ffs, logger, backups: { keep: 5, compressAfter: 1 } });
    backups = store.backups;
    const version = (n: number): string => `${n} `.repeat(4000);
    await store.writeFile('big.txt', version(0));
    await store.writeFile('big.txt', version(1));
    ffs.inject({ kind: 'write', nth: 1, errno: 'ENOSPC', mode: 'always', pathIncludes: '.bak.gz.' });
    await store.writeFile('big.txt', version(2));
    expect(read('big.txt')).toBe(version(2));
    expect((await backups.list('big.txt')).map((b) => b.compressed)).toEqual([false, false]);
    expect(ffs.fired.length).toBeGreaterThan(0);
    expect(warnings).toEqual([expect.objectContaining({ err: expect.objectContaining({ code: 'ENOSPC' }) as unknown })]);
    expect(noTemps()).toEqual([]);
    expect(await backups.verify()).toMatchObject({ checked: 2, ok: 2, problems: [] });
    await expect(backups.prune()).rejects.toMatchObject({ code: 'ENOSPC' });
    ffs.clearFaults();
    const pruned = await backups.prune();
    expect(pruned.removed).toBe(0);
    expect(pruned.freedBytes).toBeGreaterThan(0);
    const list = await backups.list('big.txt');
    expect(list.map((b) => b.compressed)).toEqual([false, true]);
    await backups.restore('big.txt', { backup: list[1]?.id ?? '' });
    expect(read('big.txt')).toBe(version(0));
  });

  it('restores and undoes from a backup gzipped between finding it in the index and opening it', async () => {
    await store.close();
    // Another process's retention, striking just before the backup is first read.
    let strike: ((file: string) => Promise<void>) | undefined;
    const racing: FileSystem = {
      ...nodeFileSystem,
      readStream: (file, options) =>
        (async function* () {
          const s = strike;
          strike = undefined;
          if (s !== undefined) await s(file);
          yield* nodeFileSystem.readStream(file, options);
        })(),
    };
    store = await openStore({ root, fs: racing, backups: { keep: 5, compressAfter: 5 } });
    backups = store.backups;
    const version = (n: number): string => `${n} `.repeat(4000);
    await store.writeFile('big.txt', version(0));
    const r = await store.transaction((tx) => void tx.writeFile('big.txt', version(1)));
    await store.writeFile('big.txt', version(2));
    const gzipIt = async (file: string): Promise<void> => {
      const rec = (await listBackupRecords(storeContextOf(store).env, 'big.txt')).find((x) => path.join(storeContextOf(store).backupDir, x.file) === file);
      if (rec === undefined) throw new Error(`not a backup: ${file}`);
      await compressBackup({ env: { ...storeContextOf(store).env, fs: nodeFileSystem }, backupDir: storeContextOf(store).backupDir }, rec);
    };

    strike = gzipIt;
    const [newest] = await backups.list('big.txt');
    await backups.restore('big.txt', { backup: newest?.id ?? '' });
    expect(strike).toBeUndefined();
    expect(read('big.txt')).toBe(version(1));

    strike = gzipIt;
    await store.undo(r.id);
    expect(strike).toBeUndefined();
    expect(read('big.txt')).toBe(version(0));
    expect((await backups.list('big.txt')).filter((b) => b.compressed)).toHaveLength(2);
    expect((await backups.verify()).problems).toEqual([]);
  });

  it('prunes on demand by the store’s policy', async () => {
    for (let n = 0; n < 5; n++) await store.writeFile('a.txt', `v${n}`);
    await store.writeFile('a-b.txt', 'x');
    await store.writeFile('a-b.txt', 'y');
    expect(await backups.prune()).toEqual({ removed: 0, freedBytes: 0 });
    await store.close();
    await open({ keep: 1 });
    expect(await backups.prune()).toEqual({ removed: 3, freedBytes: 6 });
    expect((await backups.list('a.txt')).map((b) => fs.readFileSync(b.file, 'utf8'))).toEqual(['v3']);
    expect(await backups.list('a-b.txt')).toHaveLength(1);
  });
});

describe('store.backups.verify during a transaction', () => {
  it('does not call the backups of a transaction still in flight unindexed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    const store = await openStore({ root });
    try {
      await store.writeFile('a.txt', 'v1');
      let seen: Awaited<ReturnType<Backups['verify']>> | undefined;
      const tx = store.begin({
        onConcurrentChange: async () => {
          // Step 5 of the protocol: the backup of a.txt exists on disk, not yet in the index.
          seen = await store.backups.verify();
          return 'overwrite';
        },
      });
      // Pinned to v1's checksum: the change below is seen at the check, after the backups are made.
      tx.writeFile('a.txt', 'v3').expect('a.txt', { sha256: createHash('sha256').update('v1').digest('hex') });
      fs.writeFileSync(path.join(root, 'a.txt'), 'v2, changed behind its back');
      await tx.commit();
      expect(seen).toEqual({ checked: 0, ok: 0, problems: [] });
      expect(listFiles(storeContextOf(store).backupDir)).toHaveLength(1);
      // Indexed now; it holds what another program wrote, not what the store wrote: a damaged backup (API.md), reported as such.
      expect((await store.backups.verify()).problems.map((p) => p.kind)).toEqual(['damaged']);
      expect(fs.readFileSync((await store.backups.list('a.txt'))[0]?.file ?? '', 'utf8')).toBe('v2, changed behind its back');
    } finally {
      await store.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
