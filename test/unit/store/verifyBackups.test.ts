import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressBackup } from '../../../src/store/compress.js';
import { removeBackups } from '../../../src/store/prune.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { verifyBackups } from '../../../src/store/verifyBackups.js';
import { createFixture, flipByte, type Fixture } from '../backup/fixture.js';

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

  it('raises no false alarm when retention gzips or removes backups while it scans', async () => {
    const content = 'an export line\n'.repeat(1000);
    const zipped = await fx.addBackup('a.txt', content);
    const removed = await fx.addBackup('a-b.txt', content);
    const kept = await fx.addBackup('b.txt', content);
    // Another process's retention, striking as the scan reaches its first backup (the index is already read).
    let strike = true;
    const racing: FileSystem = {
      ...nodeFileSystem,
      readStream: (file, options) =>
        (async function* () {
          if (strike) {
            strike = false;
            await compressBackup(fx.ctx, zipped);
            await removeBackups(fx.ctx, [removed]);
          }
          yield* nodeFileSystem.readStream(file, options);
        })(),
    };
    const report = await verifyBackups(fx.withFs(racing), { concurrency: 1 });
    expect(strike).toBe(false);
    expect(report).toEqual({ checked: 3, ok: 3, problems: [] });
    expect(fs.existsSync(path.join(fx.backupDir, kept.file))).toBe(true);
  });

  it('asks for the files of operations under way only when something looks unindexed, after the walk', async () => {
    await fx.addBackup('a.txt', 'hello');
    let asked = 0;
    const inFlight = async (): Promise<ReadonlySet<string>> => {
      asked += 1;
      return new Set(['b-20250101-000000-TX.txt.bak']);
    };
    expect(await verifyBackups(fx.ctx, { inFlight })).toMatchObject({ problems: [] });
    expect(asked).toBe(0);
    fs.writeFileSync(path.join(fx.backupDir, 'b-20250101-000000-TX.txt.bak'), 'of a transaction under way');
    expect(await verifyBackups(fx.ctx, { inFlight })).toMatchObject({ checked: 1, ok: 1, problems: [] });
    expect(asked).toBe(1);
  });
});
