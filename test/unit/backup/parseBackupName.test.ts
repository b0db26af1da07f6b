import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKUP_NAME_MAX, backupFileName } from '../../../src/backup/backupFile.js';
import { parseBackupName } from '../../../src/backup/parseBackupName.js';

const at = Date.UTC(2026, 0, 2, 3, 4, 5);

/** A path segment as a user may name a file: any characters but `/`, never `.` or `..`. */
const segment = fc
  .string({ unit: fc.oneof(fc.constantFrom('a', 'Z', '0', '.', '-', '_', ' ', '~', 'é', '\u{1F600}', '\n'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 80 })
  .filter((s) => !s.includes('/') && s !== '.' && s !== '..');
const relPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const txId = fc.stringMatching(/^[0-9a-z]{1,20}$/);
/** Whole seconds from 1970 to 9999 (the stamp has four digits of year and no milliseconds). */
const time = fc.integer({ min: 0, max: 253_402_300_799 }).map((s) => s * 1000);

describe('parseBackupName', () => {
  it('reads back the file, transaction and time of a name backupFileName gives, compressed or not', () => {
    expect(parseBackupName('docs/a-20260102-030405-TX1.txt.bak')).toEqual({ path: 'docs/a.txt', txId: 'TX1', createdAt: at, compressed: false });
    expect(parseBackupName('a.tar-20260102-030405-TX1.gz.bak.gz')).toEqual({ path: 'a.tar.gz', txId: 'TX1', createdAt: at, compressed: true });
    expect(parseBackupName('Makefile-20260102-030405-TX1.bak')).toEqual({ path: 'Makefile', txId: 'TX1', createdAt: at, compressed: false });
    expect(parseBackupName('.env-20260102-030405-TX1.bak')).toEqual({ path: '.env', txId: 'TX1', createdAt: at, compressed: false });
  });

  it('round-trips every name that is not shortened (property)', () => {
    fc.assert(
      fc.property(relPath, txId, time, fc.boolean(), (rel, id, t, gz) => {
        const name = backupFileName(rel, id, t);
        // The full form (`<stem>-<stamp>-<txId><suffix>.bak`) is kept when it fits; a longer one is shortened.
        const shortened = Buffer.byteLength(`${rel.split('/').at(-1) ?? ''}-YYYYMMDD-HHMMSS-${id}.bak`) > BACKUP_NAME_MAX;
        const parsed = parseBackupName(gz ? `${name}.gz` : name);
        if (shortened) expect(parsed).toBeUndefined();
        else expect(parsed).toEqual({ path: rel, txId: id, createdAt: t, compressed: gz });
      }),
      { numRuns: 300 },
    );
  });

  it('reads nothing from a shortened name, which keeps no file name', () => {
    const name = backupFileName(`${'n'.repeat(300)}.txt`, 'TX1', at);
    expect(name).toMatch(/~[0-9a-f]{16}\.txt\.bak$/);
    expect(parseBackupName(name)).toBeUndefined();
  });

  it('reads nothing from names backupFileName does not give', () => {
    for (const name of [
      'notes.txt',
      'a.bak',
      'a-2026010-030405-TX1.txt.bak',
      'a-20261302-030405-TX1.txt.bak',
      'a-20260102-250405-TX1.txt.bak',
      'a-20260102-030405-.txt.bak',
      'a-20260102-030405-TX1.txt.bak.tmp',
      '.a-20260102-030405-TX1.txt.bak.k3x9.0.txfs-tmp',
      '..-20260102-030405-TX1.bak',
      `a-20260102-030405-${'t'.repeat(65)}.bak`,
    ]) {
      expect(parseBackupName(name), name).toBeUndefined();
    }
  });
});
