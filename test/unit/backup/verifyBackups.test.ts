import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressBackup } from '../../../src/backup/compress.js';
import { verifyBackups } from '../../../src/backup/verifyBackups.js';
import { createFixture, flipByte, type Fixture } from './fixture.js';

describe('verifyBackups', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = createFixture();
  });
  afterEach(() => fx.cleanup());

  it('finds nothing wrong with a sound store and reports its progress', async () => {
    await fx.addBackup('a.txt', 'one');
    await fx.addBackup('a.txt', 'two');
    await compressBackup(fx.ctx, await fx.addBackup('d/b.txt', 'three'.repeat(100)));
    const progress: Array<[number, number]> = [];
    const report = await verifyBackups(fx.ctx, { onProgress: (d, t) => progress.push([d, t]) });
    expect(report).toEqual({ checked: 3, ok: 3, problems: [] });
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('reports nothing for an empty store whose backup directory does not exist yet', async () => {
    expect(await verifyBackups(fx.ctx)).toEqual({ checked: 0, ok: 0, problems: [] });
  });

  it('reports a backup with one byte flipped as corrupted, with both checksums', async () => {
    const good = await fx.addBackup('a.txt', 'fine');
    const bad = await fx.addBackup('b.txt', 'hello world');
    flipByte(path.join(fx.backupDir, bad.file), 0);
    const report = await verifyBackups(fx.ctx);
    expect(report.checked).toBe(2);
    expect(report.ok).toBe(1);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'corrupted', path: path.join(fx.backupDir, bad.file), expected: bad.sha256, actual: expect.stringMatching(/^[0-9a-f]{64}$/) as string }),
    ]);
    expect(report.problems[0]?.actual).not.toBe(bad.sha256);
    expect(report.problems[0]?.message).toContain('b.txt');
    expect(good.sha256).not.toBe(bad.sha256);
  });

  it('reports a damaged compressed backup as corrupted', async () => {
    const rec = await compressBackup(fx.ctx, await fx.addBackup('a.txt', 'abc'.repeat(10_000)));
    const file = path.join(fx.backupDir, rec.file);
    flipByte(file, Math.floor(fs.statSync(file).size / 2));
    const report = await verifyBackups(fx.ctx);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'corrupted', path: file })]);
  });

  it('reports an index entry whose file is gone as missing', async () => {
    const rec = await fx.addBackup('a.txt', 'hello');
    fs.rmSync(path.join(fx.backupDir, rec.file));
    const report = await verifyBackups(fx.ctx);
    expect(report).toMatchObject({ checked: 1, ok: 0 });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing', path: path.join(fx.backupDir, rec.file), expected: rec.sha256 })]);
  });

  it('reports a backup file no index entry names as unindexed, and leaves it there', async () => {
    await fx.addBackup('a.txt', 'hello');
    const stray = path.join(fx.backupDir, 'sub', 'a-20250101-000000-OLD.txt.bak');
    fs.mkdirSync(path.dirname(stray), { recursive: true });
    fs.writeFileSync(stray, 'who am I');
    const report = await verifyBackups(fx.ctx);
    expect(report).toMatchObject({ checked: 1, ok: 1 });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'unindexed', path: stray })]);
    expect(fs.readFileSync(stray, 'utf8')).toBe('who am I');
  });
});
