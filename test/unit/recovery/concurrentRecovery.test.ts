/**
 * Two recoveries of one store at the same time (two processes opening it after a crash): one finishes the dead
 * transaction, the other waits for its locks, sees the record moved on, and does nothing twice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openStore, recover } from '../../../src/store/openStore.js';
import { mapJournal } from '../transaction/mapJournal.js';
import { read, scratch, temps } from './scratch.js';

const { root: newRoot, keep } = scratch();

describe('two recoveries at once', () => {
  it.each([
    ['before its commit point (rolled back)', 'datasync', 'old a'],
    ['after its commit point (rolled forward)', 'rename', 'new a'],
  ] as const)('a transaction cut off %s is finished exactly once', async (_when, kind, settled) => {
    const root = newRoot();
    fs.writeFileSync(path.join(root, 'a.txt'), 'old a');
    fs.writeFileSync(path.join(root, 'b.txt'), 'old b');
    const journal = mapJournal();
    const ffs = createFaultyFileSystem(nodeFileSystem);
    const crashed = await openStore({ root, fs: ffs, journal });
    // From the first failing call on, nothing of the file system works: the process is as good as dead.
    ffs.inject({ kind, nth: 1, errno: 'EIO', mode: 'always' });
    ffs.inject({ kind: 'unlink', nth: 1, errno: 'EIO', mode: 'always' });
    ffs.inject({ kind: 'rename', nth: 1, errno: 'EIO', mode: 'always' });
    await expect(crashed.begin().writeFile('a.txt', 'new a').writeFile('b.txt', 'new b').commit()).rejects.toMatchObject({ code: 'EIO' });
    await crashed.close();

    const one = await openStore({ root, journal, recover: false, lockTimeoutMs: 10_000 });
    const two = await openStore({ root, journal, recover: false, lockTimeoutMs: 10_000 });
    keep(one);
    keep(two);
    const reports = await Promise.all([recover(one), recover(two)]);
    const finished = reports.flatMap((r) => [...r.rolledForward, ...r.rolledBack]);
    expect(finished).toHaveLength(1);
    expect(reports.flatMap((r) => r.problems)).toEqual([]);
    expect([read(root, 'a.txt'), read(root, 'b.txt')]).toEqual([settled, settled.replace(' a', ' b')]);
    expect(temps(root)).toEqual([]);
    const status = await one.status();
    expect(status.openTransactions).toEqual([]);
    expect(status.locks).toEqual([]);
  });
});
