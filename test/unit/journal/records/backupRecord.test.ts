/**
 * Decoding backup-index entries: an entry read back unchanged is not checked and decoded again (the record decoded
 * before, frozen, is given back); anything changed — body, checksum, version, key — is decoded afresh and checked as
 * ever; what is remembered is bounded.
 */
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../../../src/journal/envelope.js';
import { BackupRecord, MAX_REMEMBERED_BACKUPS, backupKey, decodeBackup, encodeBackup } from '../../../../src/journal/records/backupRecord.js';

const record = (id: string, size = 4096): BackupRecord => ({
  v: 1,
  id,
  path: 'report.xml',
  file: `report-20261203-134502-${id}.xml.bak`,
  createdAt: 1_764_770_000_000,
  size,
  sha256: 'a'.repeat(64),
  compressed: false,
  reason: 'replaced',
});

/** The entry as a journal gives it back: the envelope's JSON parsed again (a new object every read). */
const readBack = (key: string, rec: BackupRecord): unknown => JSON.parse(JSON.stringify(encodeBackup(key, rec))) as unknown;

/** What `f` throws (a test fails when it throws nothing). */
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe('decodeBackup', () => {
  it('gives an unchanged entry its record again, frozen, and decodes a changed one afresh', () => {
    const key = backupKey('report.xml', 'id1-0');
    const first = decodeBackup(key, readBack(key, record('id1-0')));
    const again = decodeBackup(key, readBack(key, record('id1-0')));
    expect(again).toBe(first);
    expect(Object.isFrozen(again)).toBe(true);
    expect(() => {
      (again as { size: number }).size = 1;
    }).toThrow(TypeError);
    const changed = decodeBackup(key, readBack(key, record('id1-0', 10)));
    expect(changed).not.toBe(first);
    expect(changed.size).toBe(10);
  });

  it('checks a changed entry as ever: a body that fails its checksum, another version, a record under a foreign key', () => {
    const key = backupKey('report.xml', 'id2-0');
    const good = readBack(key, record('id2-0')) as { v: number; sum: string; body: string };
    decodeBackup(key, good);
    const tampered = { ...good, body: good.body.replace('4096', '4097') };
    expect(thrown(() => decodeBackup(key, tampered))).toMatchObject({ code: 'EJOURNAL', message: /checksum/ });
    expect(() => decodeBackup(key, { ...good, v: 2 })).toThrow(expect.objectContaining({ code: 'EJOURNAL' }) as Error);
    // The same envelope under another key fails its checksum there (the key is part of it).
    expect(() => decodeBackup(backupKey('report.xml', 'id3-0'), good)).toThrow(expect.objectContaining({ code: 'EJOURNAL' }) as Error);
    // A record whose checksum is right for a key that is not its own.
    const foreign = backupKey('other.xml', 'id2-0');
    expect(thrown(() => decodeBackup(foreign, JSON.parse(JSON.stringify(encodeRecord(foreign, BackupRecord, record('id2-0')))) as unknown))).toMatchObject({
      code: 'EJOURNAL',
      message: /foreign key/,
    });
    // None of that replaced what is remembered for the good entry.
    expect(decodeBackup(key, readBack(key, record('id2-0')))).toBe(decodeBackup(key, good));
  });

  it(`remembers at most ${MAX_REMEMBERED_BACKUPS} entries, the oldest going first`, () => {
    const keyOf = (i: number): string => backupKey('report.xml', `bound${i}-0`);
    const first = decodeBackup(keyOf(0), readBack(keyOf(0), record('bound0-0')));
    for (let i = 1; i < MAX_REMEMBERED_BACKUPS; i++) decodeBackup(keyOf(i), readBack(keyOf(i), record(`bound${i}-0`)));
    // One more entry than is remembered: the oldest of them goes.
    const last = decodeBackup(keyOf(MAX_REMEMBERED_BACKUPS - 1), readBack(keyOf(MAX_REMEMBERED_BACKUPS - 1), record(`bound${MAX_REMEMBERED_BACKUPS - 1}-0`)));
    decodeBackup(keyOf(MAX_REMEMBERED_BACKUPS), readBack(keyOf(MAX_REMEMBERED_BACKUPS), record(`bound${MAX_REMEMBERED_BACKUPS}-0`)));
    // The first of them is gone (decoded afresh: an equal record, another object); the latest is still remembered.
    const firstAgain = decodeBackup(keyOf(0), readBack(keyOf(0), record('bound0-0')));
    expect(firstAgain).toEqual(first);
    expect(firstAgain).not.toBe(first);
    expect(decodeBackup(keyOf(MAX_REMEMBERED_BACKUPS - 1), readBack(keyOf(MAX_REMEMBERED_BACKUPS - 1), record(`bound${MAX_REMEMBERED_BACKUPS - 1}-0`)))).toBe(last);
  });
});
