/**
 * Recovery when a live transaction holds a path of a dead one: the dead transaction it cannot lock is reported as an
 * ELOCKED problem and left for later (its files untouched), the others are finished; run again once the path is
 * free, recovery finishes it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { storeContextOf, openStore, recover } from '../../../src/store/openStore.js';
import { acquireLocks, listLocks, lockOwner, releaseLocks } from '../../../src/transaction/locks.js';
import { osProcesses } from '../../../src/transaction/liveness.js';
import { mapJournal } from '../transaction/mapJournal.js';
import { read, scratch, temps } from './scratch.js';

const { root: newRoot, keep } = scratch();

describe('recovery blocked by a live lock', () => {
  it('reports ELOCKED for the blocked dead transaction, finishes the other, and finishes the blocked one when run again', async () => {
    const root = newRoot();
    fs.writeFileSync(path.join(root, 'a.txt'), 'old a');
    fs.writeFileSync(path.join(root, 'b.txt'), 'old b');
    const journal = mapJournal();

    // Two transactions cut off while staging (every datasync and unlink fails from then on, so they cannot even undo
    // their temps): both stay open in the journal.
    const ffs = createFaultyFileSystem(nodeFileSystem);
    const first = await openStore({ root, fs: ffs, journal });
    ffs.inject({ kind: 'datasync', nth: 1, errno: 'EIO', mode: 'always' });
    ffs.inject({ kind: 'unlink', nth: 1, errno: 'EIO', mode: 'always' });
    await expect(first.begin().writeFile('a.txt', 'new a').commit()).rejects.toMatchObject({ code: 'EIO' });
    await expect(first.begin().writeFile('b.txt', 'new b').commit()).rejects.toMatchObject({ code: 'EIO' });
    await first.close();
    expect(temps(root).length).toBeGreaterThan(0);

    // A live transaction of this process holds a.txt.
    const store = await openStore({ root, journal, lockTimeoutMs: 20, recover: false });
    keep(store);
    const env = storeContextOf(store).env;
    // The dead transactions keep their locks until recovery finishes them; for a live transaction to hold one of
    // their paths, those locks must have been lost (a journal written before they were kept): drop them.
    for (const l of await listLocks(env)) await releaseLocks(env, l.txId);
    osProcesses(nodeFileSystem).markRunning('live-tx');
    try {
      await acquireLocks(env, ['a.txt'], lockOwner('live-tx', 'holder'), { timeoutMs: 0 });
      const blocked = await recover(store);
      expect(blocked.problems).toHaveLength(1);
      expect(blocked.problems[0]).toMatchObject({ code: 'ELOCKED' });
      expect(blocked.problems[0]?.message).toMatch(/a live transaction holds one of its paths/);
      expect(blocked.rolledBack).toHaveLength(1);
      expect(blocked.rolledBack).not.toContain(blocked.problems[0]?.txId);
      expect([read(root, 'a.txt'), read(root, 'b.txt')]).toEqual(['old a', 'old b']);
      expect((await store.status()).openTransactions.map((t) => t.id)).toEqual([blocked.problems[0]?.txId]);
    } finally {
      await releaseLocks(env, 'live-tx');
      osProcesses(nodeFileSystem).markDone('live-tx');
    }

    const freed = await recover(store);
    expect(freed.problems).toEqual([]);
    expect(freed.rolledBack).toHaveLength(1);
    expect([read(root, 'a.txt'), read(root, 'b.txt')]).toEqual(['old a', 'old b']);
    expect(temps(root)).toEqual([]);
    expect((await store.status()).openTransactions).toEqual([]);
    expect((await store.status()).locks).toEqual([]);
  });
});
