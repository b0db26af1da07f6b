import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBackupEntry } from '../../../src/backup/backupIndex.js';
import { compressBackup } from '../../../src/store/compress.js';
import { readBackup } from '../../../src/backup/readBackup.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { collect, createFixture, flipByte, type Fixture } from './fixture.js';

describe('readBackup', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = createFixture();
  });
  afterEach(() => fx.cleanup());

  it('streams the original content of a plain and of a compressed backup', async () => {
    const content = Buffer.from('x'.repeat(300_000) + 'end');
    const plain = await fx.addBackup('a.txt', content);
    expect((await collect(readBackup(nodeFileSystem, toBackupEntry(plain, fx.backupDir)))).equals(content)).toBe(true);
    const zipped = await compressBackup(fx.ctx, plain);
    expect(zipped.compressed).toBe(true);
    expect((await collect(readBackup(nodeFileSystem, toBackupEntry(zipped, fx.backupDir)))).equals(content)).toBe(true);
  });

  it('fails with EINTEGRITY when one byte of the backup is flipped', async () => {
    const rec = await fx.addBackup('a.txt', 'hello world');
    flipByte(path.join(fx.backupDir, rec.file), 3);
    await expect(collect(readBackup(nodeFileSystem, toBackupEntry(rec, fx.backupDir)))).rejects.toMatchObject({
      code: 'EINTEGRITY',
      message: expect.stringContaining('a.txt') as string,
    });
  });

  it('fails with EINTEGRITY when a compressed backup is damaged', async () => {
    const rec = await compressBackup(fx.ctx, await fx.addBackup('a.txt', 'hello world '.repeat(1000)));
    const file = path.join(fx.backupDir, rec.file);
    flipByte(file, Math.floor(fs.statSync(file).size / 2));
    await expect(collect(readBackup(nodeFileSystem, toBackupEntry(rec, fx.backupDir)))).rejects.toMatchObject({ code: 'EINTEGRITY' });
  });

  it('fails with ENOENT when the backup file is gone', async () => {
    const rec = await fx.addBackup('a.txt', 'hello');
    fs.rmSync(path.join(fx.backupDir, rec.file));
    await expect(collect(readBackup(nodeFileSystem, toBackupEntry(rec, fx.backupDir)))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
