import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressBackup } from '../../../src/store/compress.js';
import { readIndexedBackup } from '../../../src/backup/readIndexedBackup.js';
import { collect, createFixture, type Fixture } from './fixture.js';

describe('readIndexedBackup', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = createFixture();
  });
  afterEach(() => fx.cleanup());

  const content = Buffer.from('a line of an export\n'.repeat(2000));

  it('follows a backup gzipped since it was looked up to the file the index names now', async () => {
    const rec = await fx.addBackup('a.txt', content);
    await compressBackup(fx.ctx, rec);
    expect(fs.existsSync(path.join(fx.backupDir, rec.file))).toBe(false);
    expect((await collect(readIndexedBackup(fx.ctx, rec))).equals(content)).toBe(true);
  });

  it('says ENOENT when the backup was removed from the index, or its file is lost', async () => {
    const rec = await fx.addBackup('a.txt', content);
    fs.rmSync(path.join(fx.backupDir, rec.file));
    await expect(collect(readIndexedBackup(fx.ctx, rec))).rejects.toMatchObject({ code: 'ENOENT' });
    fx.journal.data.clear();
    await expect(collect(readIndexedBackup(fx.ctx, rec))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('still checks the content: a corrupted backup is EINTEGRITY', async () => {
    const rec = await fx.addBackup('a.txt', content);
    fs.writeFileSync(path.join(fx.backupDir, rec.file), content.subarray(1));
    await expect(collect(readIndexedBackup(fx.ctx, rec))).rejects.toMatchObject({ code: 'EINTEGRITY' });
  });
});
