/**
 * A commit meeting a lock whose holder is gone: when the holder left no unfinished transaction (just the lock), the
 * lock is broken and the commit goes on without running recovery; the lock table is clean afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRecord } from '../../../src/journal/envelope.js';
import { LockRecord, lockKey } from '../../../src/journal/records/lockRecord.js';
import { makeFixture, type Fixture } from './storeFixture.js';
import { mapJournal } from './mapJournal.js';

const fixtures: Fixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.done();
});

/** A pid no process has (above the kernel's pid_max). */
const NO_SUCH_PID = 2 ** 22 + 1;

describe('a stale lock without an unfinished transaction', () => {
  it('is broken by the next commit on its path, which lands', async () => {
    const journal = mapJournal();
    const f = await makeFixture({ 'a.txt': 'old a' }, { journal });
    fixtures.push(f);
    const rec: LockRecord = { txId: 'gone-tx', pid: NO_SUCH_PID, procStart: '42', label: 'crashed writer', since: 1_600_000_000_000 };
    await journal.put(lockKey('a.txt'), encodeRecord(lockKey('a.txt'), LockRecord, rec));
    expect((await f.store.status()).locks.map((l) => l.path)).toEqual(['a.txt']);

    const r = await f.store.begin().writeFile('a.txt', 'new a').commit();
    expect(r.status).toBe('committed');
    expect(f.read('a.txt')).toBe('new a');
    expect((await f.store.status()).locks).toEqual([]);
    expect([...journal.data.keys()].filter((k) => k.startsWith('lock/'))).toEqual([]);
  });
});
