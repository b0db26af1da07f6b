import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressBackup } from '../../../src/store/compress.js';
import { backupUsage } from '../../../src/store/usage.js';
import { createFixture, type Fixture } from '../backup/fixture.js';

describe('backupUsage', () => {
  let fx: Fixture;
  beforeEach(() => {
    fx = createFixture();
  });
  afterEach(() => fx.cleanup());

  it('is all zero for an empty store', async () => {
    expect(await backupUsage(fx.ctx)).toEqual({ files: 0, backups: 0, bytes: 0, compressedBytes: 0 });
  });

  it('counts files, backups and bytes on disk, compressed ones by their gzip size', async () => {
    await fx.addBackup('a.txt', '12345');
    await fx.addBackup('a.txt', '1234567890');
    const z = await compressBackup(fx.ctx, await fx.addBackup('d/b.txt', 'b'.repeat(10_000)));
    const gz = z.storedSize ?? -1;
    expect(gz).toBeGreaterThan(0);
    expect(gz).toBeLessThan(10_000);
    expect(await backupUsage(fx.ctx)).toEqual({ files: 2, backups: 3, bytes: 15 + gz, compressedBytes: gz });
  });
});
