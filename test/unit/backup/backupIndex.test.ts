import * as path from 'node:path';
import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { currentCopiesIn, indexBackup, listAllBackupRecords, listBackupRecords, toBackupEntry, unindexBackup } from '../../../src/backup/backupIndex.js';
import { BackupRecord, backupKey } from '../../../src/journal/records/backupRecord.js';
import { decodeRecord, encodeRecord } from '../../../src/journal/envelope.js';
import { createMemoryJournal } from './memoryJournal.js';

const rec = (p: string, id: string, createdAt: number, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  v: 1,
  id,
  path: p,
  file: `${p}.${id}.bak`,
  createdAt,
  size: 10,
  sha256: 'a'.repeat(64),
  compressed: false,
  reason: 'replaced',
  ...extra,
});

const arbRecord: fc.Arbitrary<BackupRecord> = fc
  .record({
    id: fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
    path: fc.stringMatching(/^[a-z]{1,4}(\/[a-z.-]{1,6}){0,2}$/),
    createdAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    size: fc.nat(),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    compressed: fc.boolean(),
    reason: fc.constantFrom('replaced' as const, 'deleted' as const, 'restored' as const, 'manual' as const),
    txId: fc.option(fc.stringMatching(/^[A-Z0-9]{4,10}$/), { nil: undefined }),
    storedSize: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ txId, storedSize, ...r }) => ({
    v: 1 as const,
    ...r,
    file: `${r.path}-x.bak`,
    ...(txId === undefined ? {} : { txId }),
    ...(storedSize === undefined ? {} : { storedSize }),
  }));

describe('BackupRecord', () => {
  it('round-trips through the journal envelope', () => {
    fc.assert(
      fc.property(arbRecord, (r) => {
        const key = backupKey(r.path, r.id);
        const back = decodeRecord(key, JSON.parse(JSON.stringify(encodeRecord(key, BackupRecord, r))), BackupRecord);
        expect(back).toEqual(r);
        expect(isRight(BackupRecord.decode(back))).toBe(true);
      }),
    );
  });

  it('rejects a record of another version or with an unknown reason', () => {
    expect(isRight(BackupRecord.decode({ ...rec('a', '1', 1), v: 2 }))).toBe(false);
    expect(isRight(BackupRecord.decode({ ...rec('a', '1', 1), reason: 'lost' }))).toBe(false);
  });
});

describe('the backup index', () => {
  it('lists a file’s backups newest first', async () => {
    const journal = createMemoryJournal();
    await journal.transact((txn) => {
      indexBackup(txn, rec('a.txt', '01', 1000));
      indexBackup(txn, rec('a.txt', '03', 3000));
      indexBackup(txn, rec('a.txt', '02', 2000));
      indexBackup(txn, rec('a.txt', '04', 3000));
    });
    const ids = (await listBackupRecords({ journal }, 'a.txt')).map((r) => r.id);
    expect(ids).toEqual(['04', '03', '02', '01']);
  });

  it('keeps the backups of a.txt apart from those of a-b.txt, a.txt.old and a.txt/inner', async () => {
    const journal = createMemoryJournal();
    await journal.transact((txn) => {
      indexBackup(txn, rec('a.txt', '01', 1000));
      indexBackup(txn, rec('a-b.txt', '02', 2000));
      indexBackup(txn, rec('a.txt.old', '03', 3000));
      indexBackup(txn, rec('a.txt/inner', '04', 4000));
    });
    expect((await listBackupRecords({ journal }, 'a.txt')).map((r) => r.id)).toEqual(['01']);
    expect((await listBackupRecords({ journal }, 'a-b.txt')).map((r) => r.id)).toEqual(['02']);
    expect((await listBackupRecords({ journal }, 'a.txt/inner')).map((r) => r.id)).toEqual(['04']);
    expect((await listAllBackupRecords({ journal })).map((r) => r.id)).toEqual(['04', '03', '02', '01']);
  });

  it('removes an entry', async () => {
    const journal = createMemoryJournal();
    const r = rec('a.txt', '01', 1000);
    await journal.transact((txn) => indexBackup(txn, r));
    await journal.transact((txn) => unindexBackup(txn, r));
    expect(await listBackupRecords({ journal }, 'a.txt')).toEqual([]);
  });

  it('refuses to guess: a damaged entry is EJOURNAL naming its key', async () => {
    const journal = createMemoryJournal();
    await journal.transact((txn) => indexBackup(txn, rec('a.txt', '01', 1000)));
    const key = backupKey('a.txt', '01');
    const env = journal.data.get(key) as { body: string };
    journal.data.set(key, { ...env, body: env.body.replace('"size":10', '"size":11') });
    await expect(listBackupRecords({ journal }, 'a.txt')).rejects.toMatchObject({ code: 'EJOURNAL', key });
    // A valid record copied under another file's key is just as foreign.
    journal.data.set(backupKey('b.txt', '01'), encodeRecord(backupKey('a.txt', '01'), BackupRecord, rec('a.txt', '01', 1)));
    await expect(listBackupRecords({ journal }, 'b.txt')).rejects.toMatchObject({ code: 'EJOURNAL' });
  });

  it("finds a file's kept current copies inside a transaction without decoding its other backups, whether or not the journal filters", async () => {
    const journal = createMemoryJournal();
    const copy = rec('a.txt', 'T1-0-current', 3000, { reason: 'current', txId: 'T1' });
    await journal.transact((txn) => {
      for (const r of [rec('a.txt', '01', 1000), rec('a.txt', '02', 2000), copy, rec('a.txt/inner', 'T2-0-current', 4000, { reason: 'current' })]) indexBackup(txn, r);
    });
    // An ordinary backup whose entry no longer decodes: only a listing of all the file's backups trips over it.
    const key = backupKey('a.txt', '01');
    const env = journal.data.get(key) as { body: string };
    journal.data.set(key, { ...env, body: env.body.replace('"size":10', '"size":11') });
    await expect(listBackupRecords({ journal }, 'a.txt')).rejects.toMatchObject({ code: 'EJOURNAL', key });
    expect(await journal.transact((txn) => currentCopiesIn(txn, 'a.txt'))).toEqual([copy]);
    // A journal whose range ignores the filter (written before it took one) gets the same answer.
    const unfiltered = await journal.transact((txn) => currentCopiesIn({ ...txn, range: (prefix) => txn.range(prefix) }, 'a.txt'));
    expect(unfiltered).toEqual([copy]);
  });

  it('refuses an id that would make the key ambiguous', async () => {
    const journal = createMemoryJournal();
    await expect(journal.transact((txn) => indexBackup(txn, rec('a', 'x/y', 1)))).rejects.toThrow(TypeError);
  });

  it('shows a record as a BackupEntry with an absolute file and a Date', () => {
    const e = toBackupEntry(rec('d/a.txt', '01', 1234, { txId: 'TX', file: 'd/a-x.txt.bak' }), '/s/backups');
    expect(e).toEqual({
      id: '01',
      path: 'd/a.txt',
      file: path.join('/s/backups', 'd/a-x.txt.bak'),
      createdAt: new Date(1234),
      size: 10,
      sha256: 'a'.repeat(64),
      compressed: false,
      txId: 'TX',
    });
    expect('txId' in toBackupEntry(rec('a', '1', 1), '/s')).toBe(false);
  });
});
