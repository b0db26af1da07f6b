/**
 * The LMDB journal without fsync (durability 'none') commits the writes of one event-loop turn together, in one
 * synchronous LMDB write transaction: on the real LMDB journal (LMDB counts its write transactions), and on a real
 * LMDB environment for a commit that fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLmdbJournal, type LmdbJournal } from '../../../src/journal/lmdb.js';
import { turnBatch } from '../../../src/journal/turnBatch.js';

describe('the LMDB journal without fsync: one commit per turn', () => {
  let dir: string;
  let journal: LmdbJournal;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-turn-'));
    journal = await openLmdbJournal(path.join(dir, 'journal'), { noSync: true });
  });
  afterEach(async () => {
    await journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('commits the writes asked for in one turn in one LMDB commit, in the order they were asked for', async () => {
    const t0 = journal.lastTxnId();
    const writes = [
      journal.put('a', 1),
      journal.transact((txn) => {
        const a = txn.get('a');
        txn.put('b', a);
        return a;
      }),
      journal.remove('a'),
      journal.transact((txn) => txn.range('')),
    ];
    const [, seen, , after] = await Promise.all(writes);
    // Each write saw the ones before it in the turn.
    expect(seen).toBe(1);
    expect(after).toEqual([{ key: 'b', value: 1 }]);
    expect(journal.lastTxnId() - t0).toBe(1);
    // Written one turn after the other: a commit each.
    await journal.put('c', 3);
    await journal.put('d', 4);
    expect(journal.lastTxnId() - t0).toBe(3);
    expect(await journal.range('')).toEqual([
      { key: 'b', value: 1 },
      { key: 'c', value: 3 },
      { key: 'd', value: 4 },
    ]);
  });

  it('undoes a write whose callback throws, alone: the others of its turn commit', async () => {
    const t0 = journal.lastTxnId();
    const before = journal.transact((txn) => txn.put('before', true));
    const bad = journal.transact((txn) => {
      txn.put('half', 'written');
      throw new Error('callback failed');
    });
    const after = journal.transact((txn) => {
      // The failed write left nothing for the next one to see.
      txn.put('after', txn.get('half') ?? 'nothing');
    });
    await expect(bad).rejects.toThrow('callback failed');
    await Promise.all([before, after]);
    expect(await journal.range('')).toEqual([
      { key: 'after', value: 'nothing' },
      { key: 'before', value: true },
    ]);
    expect(journal.lastTxnId() - t0).toBe(1);
  });

  it('commits what is queued when the journal closes', async () => {
    const queued = journal.put('last', 'word');
    await journal.close();
    await expect(queued).resolves.toBeUndefined();
    journal = await openLmdbJournal(path.join(dir, 'journal'), { noSync: true });
    expect(await journal.get('last')).toBe('word');
  });
});

describe('turnBatch on a real LMDB environment', () => {
  let dir: string;
  let db: RootDatabase<number, string>;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-turn-db-'));
    db = open<number, string>({ path: dir, noSync: true });
  });
  afterEach(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a commit that fails undoes every write of the turn: each rejects with the failure, or with what its callback threw', async () => {
    // The commit itself fails (as a full disk would make it): the body runs, then the transaction is aborted.
    const failing = {
      transactionSync: (body: () => void) =>
        db.transactionSync(() => {
          body();
          throw new Error('MDB_DISK_FULL');
        }),
      childTransaction: <T>(body: () => T) => db.childTransaction(body),
    };
    const batch = turnBatch(failing);
    const one = batch.run(() => db.putSync('one', 1));
    const bad = batch.run(() => {
      throw new Error('callback failed');
    });
    const two = batch.run(() => db.putSync('two', 2));
    await expect(one).rejects.toThrow('MDB_DISK_FULL');
    await expect(bad).rejects.toThrow('callback failed');
    await expect(two).rejects.toThrow('MDB_DISK_FULL');
    expect(db.get('one')).toBeUndefined();
    expect(db.get('two')).toBeUndefined();

    // The next turn commits as usual.
    const ok = turnBatch(db);
    await ok.run(() => db.putSync('three', 3));
    expect(db.get('three')).toBe(3);
  });
});
