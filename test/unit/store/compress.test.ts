import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAllBackupRecords, listBackupRecords } from '../../../src/backup/backupIndex.js';
import { pendingRemovalPrefix } from '../../../src/journal/records/backupRecord.js';
import { compressBackup, compressBackups } from '../../../src/store/compress.js';
import { verifyBackups } from '../../../src/store/verifyBackups.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { createFixture, flipByte, listFiles, type Fixture } from '../backup/fixture.js';

describe('compressBackup', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = createFixture();
  });
  afterEach(() => fx.cleanup());

  const content = Buffer.from('<row>some repetitive export content</row>\n'.repeat(5000));

  it('replaces the backup by its gzip, switching the index before the old file goes', async () => {
    const rec = await fx.addBackup('docs/a.xml', content);
    const ffs = createFaultyFileSystem(nodeFileSystem);
    const flushedAt: number[] = [];
    const journal = fx.journal;
    const ctx = { ...fx.withFs(ffs), env: { ...fx.withFs(ffs).env, journal: { ...journal, flush: async () => void flushedAt.push(ffs.trace.length) } } };
    const next = await compressBackup(ctx, rec);

    expect(next).toMatchObject({ id: rec.id, file: `${rec.file}.gz`, compressed: true, sha256: rec.sha256, size: rec.size });
    expect(next.storedSize).toBe(fs.statSync(path.join(fx.backupDir, next.file)).size);
    expect(next.storedSize).toBeLessThan(rec.size);
    expect(gunzipSync(fs.readFileSync(path.join(fx.backupDir, next.file))).equals(content)).toBe(true);
    expect(listFiles(fx.backupDir)).toEqual([next.file]);
    expect(await listBackupRecords(fx.ctx.env, 'docs/a.xml')).toEqual([next]);

    const kinds = ffs.trace.map((c) => c.kind);
    const rename = kinds.indexOf('rename');
    const syncDir = kinds.indexOf('syncDir');
    const unlink = ffs.trace.findIndex((c) => c.kind === 'unlink' && c.path === path.join(fx.backupDir, rec.file));
    expect(ffs.trace.some((c) => c.kind === 'datasync')).toBe(true);
    expect(rename).toBeGreaterThan(-1);
    expect(syncDir).toBeGreaterThan(rename);
    // First the records naming what the compression may leave behind, before the temp exists; then the switch.
    const create = kinds.indexOf('open');
    expect(flushedAt).toHaveLength(2);
    expect(flushedAt[0]).toBeLessThanOrEqual(create);
    expect(flushedAt[1]).toBeGreaterThan(syncDir);
    expect(unlink).toBeGreaterThanOrEqual(flushedAt[1] ?? Infinity);
  });

  it('on ENOSPC leaves the original backup untouched, no temp file, and says the disk is full', async () => {
    const rec = await fx.addBackup('a.txt', content);
    const before = listFiles(fx.backupDir);
    const ffs = createFaultyFileSystem(nodeFileSystem, [{ kind: 'write', nth: 1, errno: 'ENOSPC', mode: 'always' }]);
    const err = await compressBackup(fx.withFs(ffs), rec).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENOSPC', message: expect.stringContaining('disk is full') as string });
    expect(ffs.fired.length).toBeGreaterThan(0);
    expect(listFiles(fx.backupDir)).toEqual(before);
    expect(fs.readFileSync(path.join(fx.backupDir, rec.file)).equals(content)).toBe(true);
    expect(await listBackupRecords(fx.ctx.env, 'a.txt')).toEqual([rec]);
  });

  it('on a short-writing disk still writes every byte', async () => {
    const rec = await fx.addBackup('a.txt', content);
    const ffs = createFaultyFileSystem(nodeFileSystem);
    ffs.limitWrites(100);
    const next = await compressBackup(fx.withFs(ffs), rec);
    expect(gunzipSync(fs.readFileSync(path.join(fx.backupDir, next.file))).equals(content)).toBe(true);
  });

  it('refuses to compress a corrupted backup, changing nothing', async () => {
    const rec = await fx.addBackup('a.txt', content);
    flipByte(path.join(fx.backupDir, rec.file), 10);
    const before = listFiles(fx.backupDir);
    await expect(compressBackup(fx.ctx, rec)).rejects.toMatchObject({ code: 'EINTEGRITY' });
    expect(listFiles(fx.backupDir)).toEqual(before);
    expect(await listBackupRecords(fx.ctx.env, 'a.txt')).toEqual([rec]);
  });

  it('when the index switch fails, keeps the indexed original and removes the .gz its record names', async () => {
    const rec = await fx.addBackup('a.txt', content);
    let transacts = 0;
    const failing = {
      ...fx.journal,
      transact: <T>(fn: Parameters<typeof fx.journal.transact<T>>[0]): Promise<T> =>
        ++transacts === 2 ? Promise.reject(new Error('journal unavailable')) : fx.journal.transact(fn),
    };
    await expect(compressBackup({ ...fx.ctx, env: { ...fx.ctx.env, journal: failing } }, rec)).rejects.toThrow('journal unavailable');
    expect(await listBackupRecords(fx.ctx.env, 'a.txt')).toEqual([rec]);
    expect(fs.readFileSync(path.join(fx.backupDir, rec.file)).equals(content)).toBe(true);
    expect(listFiles(fx.backupDir)).toEqual([rec.file]);
    expect(await verifyBackups(fx.ctx)).toMatchObject({ checked: 1, ok: 1, problems: [] });

    // A later attempt completes.
    const next = await compressBackup(fx.ctx, rec);
    expect(listFiles(fx.backupDir)).toEqual([next.file]);
    expect((await verifyBackups(fx.ctx)).problems).toEqual([]);
  });

  it('when the directory fsync after the rename fails, removes the .gz and keeps the indexed original, leaving no record', async () => {
    const rec = await fx.addBackup('a.txt', content);
    const ffs = createFaultyFileSystem(nodeFileSystem, [{ kind: 'syncDir', nth: 1, errno: 'EIO' }]);
    await expect(compressBackup(fx.withFs(ffs), rec)).rejects.toMatchObject({ code: 'EIO' });
    expect(await listBackupRecords(fx.ctx.env, 'a.txt')).toEqual([rec]);
    expect(listFiles(fx.backupDir)).toEqual([rec.file]);
    expect(await fx.journal.range(pendingRemovalPrefix)).toEqual([]);
  });

  it('gives up, cleanly, when the backup left the index meanwhile', async () => {
    const rec = await fx.addBackup('a.txt', content);
    fx.journal.data.clear();
    await expect(compressBackup(fx.ctx, rec)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(listFiles(fx.backupDir)).toEqual([rec.file]);
  });

  it('leaves an indexed backup whose file is gone as it is — reported as missing, not a failure — and compresses the rest', async () => {
    const good = await fx.addBackup('a.txt', content);
    const lost = await fx.addBackup('a-b.txt', content);
    fs.rmSync(path.join(fx.backupDir, lost.file));
    const r = await compressBackups(fx.ctx, [lost, good]);
    expect(r.missing).toEqual([lost]);
    expect(r.compressed.map((x) => x.id)).toEqual([good.id]);
    expect(await listBackupRecords(fx.ctx.env, 'a-b.txt')).toEqual([lost]);
    expect(listFiles(fx.backupDir)).toEqual([`${good.file}.gz`]);
    expect((await verifyBackups(fx.ctx)).problems).toEqual([expect.objectContaining({ kind: 'missing' })]);
    await expect(compressBackup(fx.ctx, lost)).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining('is gone') as string });
  });

  it('compresses a batch with one directory fsync and one durable index switch, and a bad one does not stop the rest', async () => {
    const good = [await fx.addBackup('d/a.txt', content), await fx.addBackup('d/b.txt', content), await fx.addBackup('d/c.txt', content)];
    const bad = await fx.addBackup('d/bad.txt', content);
    flipByte(path.join(fx.backupDir, bad.file), 7);
    const ffs = createFaultyFileSystem(nodeFileSystem);
    const base = fx.withFs(ffs);
    let flushes = 0;
    const ctx = { ...base, env: { ...base.env, journal: { ...fx.journal, flush: async () => void (flushes += 1) } } };
    await expect(compressBackups(ctx, [...good, bad])).rejects.toMatchObject({ code: 'EINTEGRITY' });
    // One flush naming every file the batch may leave, one for the index switch; one directory fsync before the
    // switch, one after the originals are unlinked.
    expect(flushes).toBe(2);
    expect(ffs.trace.filter((c) => c.kind === 'syncDir')).toHaveLength(2);
    const all = await listAllBackupRecords(fx.ctx.env);
    expect(all.filter((r) => r.compressed).map((r) => r.path).sort()).toEqual(['d/a.txt', 'd/b.txt', 'd/c.txt']);
    expect(all.find((r) => r.path === 'd/bad.txt')).toEqual(bad);
    expect(listFiles(fx.backupDir)).toEqual([...good.map((r) => `${r.file}.gz`), bad.file].sort());
  });
});
