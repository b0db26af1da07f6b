import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLmdbJournal, type LmdbJournal, type LmdbJournalOptions } from '../../../src/journal/lmdb.js';
import { ridingJournal, RIDE_MS, type RidingJournal } from '../../../src/journal/riding.js';

// On the real LMDB journal: a ride shares the next write's commit (LMDB counts its write transactions), in order. Both
// ways the journal commits: handed to lmdb-js's writer thread (fsynced), and batched per turn on this one (no fsync).
const modes: ReadonlyArray<readonly [string, LmdbJournalOptions]> = [
  ['fsynced commits', {}],
  ['commits without fsync, per turn', { noSync: true }],
];
describe.each(modes)('ridingJournal, %s', (_mode, options) => {
  let dir: string;
  let lmdb: LmdbJournal;
  let journal: RidingJournal;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-ride-'));
    lmdb = await openLmdbJournal(path.join(dir, 'journal'), options);
    // Long enough that only the next write (or a drain) can issue a ride in these tests.
    journal = ridingJournal(lmdb, { waitMs: 60_000 });
  });
  afterEach(async () => {
    await journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds a ride until the next write, which commits it in the same LMDB commit, before itself', async () => {
    const t0 = lmdb.lastTxnId();
    let ran = false;
    const ride = journal.ride((txn) => {
      ran = true;
      txn.put('lock/a', 'released');
      return 'finished';
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(ran).toBe(false);
    expect(journal.held()).toBe(1);
    expect(lmdb.lastTxnId()).toBe(t0);
    // The later write sees what the ride wrote: the ride is applied first.
    const seen = await journal.transact((txn) => {
      const before = txn.get('lock/a');
      txn.put('lock/a', 'taken');
      return before;
    });
    expect(seen).toBe('released');
    expect(await ride).toBe('finished');
    expect(await journal.get('lock/a')).toBe('taken');
    expect(journal.held()).toBe(0);
    // One LMDB write transaction for both: one commit, one set of flushes.
    expect(lmdb.lastTxnId() - t0).toBe(1);
  });

  it('rides on put and remove too', async () => {
    const t0 = lmdb.lastTxnId();
    const rides = [journal.ride((txn) => txn.put('x', 1)), journal.ride((txn) => txn.put('y', 2))];
    await journal.put('z', 3);
    await Promise.all(rides);
    const t1 = lmdb.lastTxnId();
    expect(t1 - t0).toBe(1);
    const ride = journal.ride((txn) => txn.remove('x'));
    await journal.remove('y');
    await ride;
    expect(lmdb.lastTxnId() - t1).toBe(1);
    expect(await journal.range('')).toEqual([{ key: 'z', value: 3 }]);
  });

  it('a ride that throws fails alone: the write it rode with commits, and the other way round', async () => {
    const bad = journal.ride((txn) => {
      txn.put('half', 'written');
      throw new Error('ride failed');
    });
    await journal.transact((txn) => txn.put('other', 'kept'));
    await expect(bad).rejects.toThrow('ride failed');
    expect(await journal.get('half')).toBeUndefined();
    expect(await journal.get('other')).toBe('kept');

    const good = journal.ride((txn) => txn.put('ride', 'kept'));
    await expect(journal.transact(() => {
      throw new Error('write failed');
    })).rejects.toThrow('write failed');
    await good;
    expect(await journal.get('ride')).toBe('kept');
  });

  it('reads and flushes do not issue a ride; a drain does, and issues rides at once while it lasts', async () => {
    const t0 = lmdb.lastTxnId();
    const ride = journal.ride((txn) => txn.put('a', 1));
    expect(await journal.get('a')).toBeUndefined();
    expect(await journal.range('')).toEqual([]);
    await journal.flush();
    expect(journal.held()).toBe(1);
    let later: Promise<void> | undefined;
    await journal.draining(async () => {
      await ride;
      // Asked for while someone drains: it does not wait for a write to ride on.
      later = journal.ride((txn) => txn.put('b', 2));
      await later;
    });
    expect(await journal.get('a')).toBe(1);
    expect(await journal.get('b')).toBe(2);
    expect(lmdb.lastTxnId() - t0).toBe(2);
    expect(journal.held()).toBe(0);
  });

  it('closing issues what it holds before the journal closes', async () => {
    const ride = journal.ride((txn) => txn.put('last', 'word'));
    await journal.close();
    await ride;
    const again = await openLmdbJournal(path.join(dir, 'journal'), options);
    try {
      expect(await again.get('last')).toBe('word');
    } finally {
      await again.close();
    }
    journal = ridingJournal(await openLmdbJournal(path.join(dir, 'journal'), options));
  });

  it('with nothing to ride on, a ride is committed after waitMs on its own', async () => {
    const quick = ridingJournal(lmdb, { waitMs: 20 });
    const t0 = lmdb.lastTxnId();
    await quick.ride((txn) => txn.put('alone', true));
    expect(await lmdb.get('alone')).toBe(true);
    expect(lmdb.lastTxnId() - t0).toBe(1);
    expect(RIDE_MS).toBeGreaterThan(0);
  });
});
