import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAllBackupRecords, listBackupRecords } from '../../../src/backup/backupIndex.js';
import { pruneBackups } from '../../../src/store/prune.js';
import { pendingRemovalPrefix } from '../../../src/journal/records/backupRecord.js';
import { verifyBackups } from '../../../src/store/verifyBackups.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { createFixture, listFiles, type Fixture } from '../backup/fixture.js';

describe('pruneBackups', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = createFixture();
  });
  afterEach(() => fx.cleanup());

  it('prunes a.txt’s backups through the index without touching a-b.txt’s in the same directory', async () => {
    const a = [];
    for (let i = 0; i < 6; i++) a.push(await fx.addBackup('a.txt', `a version ${i}`));
    const ab = [];
    for (let i = 0; i < 3; i++) ab.push(await fx.addBackup('a-b.txt', `a-b version ${i}`));
    const result = await pruneBackups(fx.ctx, { keep: 3, compressAfter: 10 });
    expect(result.removed).toBe(3);
    expect(result.freedBytes).toBe(a.slice(0, 3).reduce((s, r) => s + r.size, 0));
    expect((await listBackupRecords(fx.ctx.env, 'a.txt')).map((r) => r.id)).toEqual(a.slice(3).reverse().map((r) => r.id));
    expect((await listBackupRecords(fx.ctx.env, 'a-b.txt')).map((r) => r.id)).toEqual(ab.reverse().map((r) => r.id));
    expect(listFiles(fx.backupDir)).toEqual([...a.slice(3), ...ab].map((r) => r.file).sort());
    expect(await verifyBackups(fx.ctx)).toMatchObject({ ok: 6, problems: [] });
  });

  it('gzips all but the newest K of each file and counts what that saved', async () => {
    const big = 'line of an export\n'.repeat(2000);
    for (let i = 0; i < 4; i++) await fx.addBackup('a.txt', `${i}${big}`);
    const result = await pruneBackups(fx.ctx, { keep: 5, compressAfter: 2 });
    expect(result).toMatchObject({ removed: 0, compressed: 2 });
    const recs = await listBackupRecords(fx.ctx.env, 'a.txt');
    expect(recs.map((r) => r.compressed)).toEqual([false, false, true, true]);
    const gz = recs.slice(2).reduce((s, r) => s + (r.storedSize ?? 0), 0);
    expect(result.freedBytes).toBe(2 * (big.length + 1) - gz);
    expect(await verifyBackups(fx.ctx)).toMatchObject({ ok: 4, problems: [] });
    expect(await pruneBackups(fx.ctx, { keep: 5, compressAfter: 2 })).toEqual({ removed: 0, freedBytes: 0, compressed: 0 });
  });

  it('leaves the backups of a running transaction alone', async () => {
    const recs = [];
    for (let i = 0; i < 4; i++) recs.push(await fx.addBackup('a.txt', `v${i}`));
    const running = recs[0]?.txId ?? '';
    await pruneBackups(fx.ctx, { keep: 1, compressAfter: 9, inUse: new Set([running]) });
    expect((await listAllBackupRecords(fx.ctx.env)).map((r) => r.id)).toEqual([recs[3]?.id, recs[0]?.id]);
  });

  it('finishes a removal interrupted between the index and the disk, never leaving the index naming a missing file', async () => {
    const old = await fx.addBackup('a.txt', 'old');
    await fx.addBackup('a.txt', 'new');
    const ffs = createFaultyFileSystem(nodeFileSystem, [{ kind: 'unlink', nth: 1, errno: 'EIO' }]);
    await expect(pruneBackups(fx.withFs(ffs), { keep: 1, compressAfter: 9 })).rejects.toMatchObject({ code: 'EIO' });

    // The index no longer names it; the file is still there, with a pending-removal record for it.
    expect((await listBackupRecords(fx.ctx.env, 'a.txt')).map((r) => r.id)).not.toContain(old.id);
    expect(fs.existsSync(path.join(fx.backupDir, old.file))).toBe(true);
    expect(await fx.journal.range(pendingRemovalPrefix)).toHaveLength(1);
    expect((await verifyBackups(fx.ctx)).problems.filter((p) => p.kind === 'missing')).toEqual([]);

    await pruneBackups(fx.ctx, { keep: 1, compressAfter: 9 });
    expect(fs.existsSync(path.join(fx.backupDir, old.file))).toBe(false);
    expect(await fx.journal.range(pendingRemovalPrefix)).toEqual([]);
    expect(await verifyBackups(fx.ctx)).toMatchObject({ checked: 1, ok: 1, problems: [] });
  });

  it('makes the index removal durable before unlinking', async () => {
    await fx.addBackup('a.txt', 'old');
    await fx.addBackup('a.txt', 'new');
    const ffs = createFaultyFileSystem(nodeFileSystem);
    const flushedAt: number[] = [];
    const base = fx.withFs(ffs);
    const ctx = { ...base, env: { ...base.env, journal: { ...fx.journal, flush: async () => void flushedAt.push(ffs.trace.length) } } };
    await pruneBackups(ctx, { keep: 1, compressAfter: 9 });
    const unlink = ffs.trace.findIndex((c) => c.kind === 'unlink');
    expect(unlink).toBeGreaterThanOrEqual(0);
    expect(flushedAt.length).toBeGreaterThan(0);
    expect(flushedAt[0]).toBeLessThanOrEqual(unlink);
  });

  it('completes a removal that another process finished between the index step and the unlink, and unlinks only what it took out of the index', async () => {
    const old = await fx.addBackup('a.txt', 'old');
    const middle = await fx.addBackup('a.txt', 'middle');
    const newest = await fx.addBackup('a.txt', 'new');
    const oldAbs = path.join(fx.backupDir, old.file);
    // Right after the swap is made durable, another process finishes the removal of `old`: its file and its record go.
    const journal = {
      ...fx.journal,
      flush: async () => {
        await fx.journal.flush();
        const pending = await fx.journal.range(pendingRemovalPrefix);
        if (pending.some((e) => e.key.endsWith(old.id))) {
          fs.rmSync(oldAbs, { force: true });
          await fx.journal.transact((txn) => txn.remove(`${pendingRemovalPrefix}${old.id}`));
        }
      },
    };
    const result = await pruneBackups({ ...fx.ctx, env: { ...fx.ctx.env, journal } }, { keep: 1, compressAfter: 9 });
    expect(result.removed).toBe(2);
    expect(listFiles(fx.backupDir)).toEqual([newest.file]);
    expect(fs.existsSync(path.join(fx.backupDir, middle.file))).toBe(false);
    expect(await fx.journal.range(pendingRemovalPrefix)).toEqual([]);
    expect(await verifyBackups(fx.ctx)).toMatchObject({ checked: 1, ok: 1, problems: [] });
  });

  it('drops backups older than maxAgeDays, keeping the newest of each file', async () => {
    await fx.addBackup('a.txt', 'ancient');
    await fx.addBackup('gone.txt', 'deleted long ago');
    fx.clock += 40 * 86_400_000;
    const fresh = await fx.addBackup('a.txt', 'fresh');
    await pruneBackups(fx.ctx, { maxAgeDays: 30, compressAfter: 9 });
    expect((await listAllBackupRecords(fx.ctx.env)).map((r) => r.path).sort()).toEqual(['a.txt', 'gone.txt']);
    expect((await listBackupRecords(fx.ctx.env, 'a.txt'))[0]?.id).toBe(fresh.id);
  });
});
