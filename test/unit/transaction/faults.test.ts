import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultyFileSystem, type Fault, type FaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openStore, recover } from '../../../src/store/openStore.js';
import type { Store } from '../../../src/types.js';
import { rejection } from './storeFixture.js';

interface World {
  readonly root: string;
  readonly ffs: FaultyFileSystem;
  readonly store: Store;
  read(rel: string): string | undefined;
  litter(): string[];
}

const worlds: Array<{ root: string; stores: Store[] }> = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) {
    for (const s of w.stores) await s.close();
    fs.rmSync(w.root, { recursive: true, force: true });
  }
});

const world = async (files: Record<string, string>): Promise<World> => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  for (const [rel, c] of Object.entries(files)) fs.writeFileSync(path.join(root, rel), c);
  const ffs = createFaultyFileSystem(nodeFileSystem);
  const store = await openStore({ root, fs: ffs });
  worlds.push({ root, stores: [store] });
  return {
    root,
    ffs,
    store,
    read: (rel) => (fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel), 'utf8') : undefined),
    litter: () => fs.readdirSync(root).filter((n) => n.endsWith('.txfs-tmp')),
  };
};


const files = { 'a.txt': 'old a', 'b.txt': 'old b' };
const commitBoth = (s: Store): Promise<unknown> => s.transaction((tx) => void tx.writeFile('a.txt', 'new a').writeFile('b.txt', 'new b').writeFile('c.txt', 'new c'));
const backupsOf = (root: string): string[] => fs.readdirSync(path.join(root, '.txfs', 'backups'));

describe('faults before the commit point leave every target as it was', () => {
  const cases: Array<[string, Fault]> = [
    ['ENOSPC while staging', { kind: 'write', nth: 2, errno: 'ENOSPC' }],
    ['EIO on a temp fsync', { kind: 'datasync', nth: 1, errno: 'EIO' }],
    ["EIO on a staged temp's fstat (its stat for the manifest)", { kind: 'fstat', nth: 2, errno: 'EIO' }],
    ['EIO making a backup', { kind: 'link', nth: 2, errno: 'EIO' }],
    ['EIO on the backup directory fsync', { kind: 'syncDir', nth: 1, errno: 'EIO' }],
  ];
  for (const [name, fault] of cases) {
    it(`${name}: rejects with the errno, removes every temp and backup, releases the locks`, async () => {
      const w = await world(files);
      w.ffs.inject(fault);
      const e = await rejection(commitBoth(w.store));
      expect(e.code).toBe(fault.errno);
      expect([w.read('a.txt'), w.read('b.txt'), w.read('c.txt')]).toEqual(['old a', 'old b', undefined]);
      expect(w.litter()).toEqual([]);
      expect(backupsOf(w.root)).toEqual([]);
      const status = await w.store.status();
      expect(status.locks).toEqual([]);
      expect(status.openTransactions).toEqual([]);
      // The fsync that failed was not retried.
      expect(w.ffs.trace.filter((c) => c.kind === fault.kind && w.ffs.fired.includes(c)).length).toBe(1);
      // And the store keeps working.
      w.ffs.clearFaults();
      await commitBoth(w.store);
      expect([w.read('a.txt'), w.read('b.txt'), w.read('c.txt')]).toEqual(['new a', 'new b', 'new c']);
    });
  }
});

describe('faults after the commit point are finished by recovery', () => {
  const cases: Array<[string, Fault]> = [
    ['EIO on the directory fsync', { kind: 'syncDir', nth: 2, errno: 'EIO' }],
    ['EIO on the first rename', { kind: 'rename', nth: 1, errno: 'EIO' }],
    ['EIO on the second rename', { kind: 'rename', nth: 2, errno: 'EIO' }],
  ];
  for (const [name, fault] of cases) {
    it(`${name}: rejects, the transaction stays committing with its locks, recovery completes it`, async () => {
      const w = await world(files);
      w.ffs.inject(fault);
      const e = await rejection(commitBoth(w.store));
      expect(e.code).toBe('EIO');
      const status = await w.store.status();
      expect(status.openTransactions.map((t) => t.state)).toEqual(['committing']);
      expect(status.locks.map((l) => l.path)).toEqual(['a.txt', 'b.txt', 'c.txt']);
      w.ffs.clearFaults();
      const report = await recover(w.store);
      expect(report.rolledForward).toHaveLength(1);
      expect(report.problems).toEqual([]);
      expect([w.read('a.txt'), w.read('b.txt'), w.read('c.txt')]).toEqual(['new a', 'new b', 'new c']);
      expect(w.litter()).toEqual([]);
      const after = await w.store.status();
      expect(after.openTransactions).toEqual([]);
      expect(after.locks).toEqual([]);
      expect(await w.store.verify()).toMatchObject({ problems: [] });
      // The replaced versions are in the backup index, as after a normal commit.
      expect(backupsOf(w.root)).toHaveLength(2);
    });
  }

  it('finishes a stuck transaction before the next one on the same store', async () => {
    const w = await world(files);
    w.ffs.inject({ kind: 'rename', nth: 2, errno: 'EIO' });
    await rejection(commitBoth(w.store));
    w.ffs.clearFaults();
    await w.store.writeFile('a.txt', 'newer a');
    expect([w.read('a.txt'), w.read('b.txt'), w.read('c.txt')]).toEqual(['newer a', 'new b', 'new c']);
    expect((await w.store.status()).openTransactions).toEqual([]);
  });

  it('is finished by recovery before another store breaks its locks, so it can never be rolled forward over newer data', async () => {
    const w = await world(files);
    w.ffs.inject({ kind: 'rename', nth: 2, errno: 'EIO' });
    await rejection(commitBoth(w.store));
    // A second store on the same root, opened without recovery: its transaction meets the dead transaction's locks.
    const other = await openStore({ root: w.root, recover: false, lockTimeoutMs: 2000 });
    worlds[worlds.length - 1]?.stores.push(other);
    await other.writeFile('a.txt', 'newest a');
    expect([w.read('a.txt'), w.read('b.txt'), w.read('c.txt')]).toEqual(['newest a', 'new b', 'new c']);
    expect((await other.status()).openTransactions).toEqual([]);
    const again = await openStore({ root: w.root });
    worlds[worlds.length - 1]?.stores.push(again);
    expect(again.recovery.rolledForward).toEqual([]);
    expect(w.read('a.txt')).toBe('newest a');
  });

  it('is finished by the next openStore after the process is gone', async () => {
    const w = await world(files);
    w.ffs.inject({ kind: 'syncDir', nth: 2, errno: 'EIO' });
    await rejection(commitBoth(w.store));
    await w.store.close();
    // Another process would see the locks of a dead holder; in this one, the stuck transaction is not running.
    const again = await openStore({ root: w.root });
    worlds[worlds.length - 1]?.stores.push(again);
    expect(again.recovery.rolledForward).toHaveLength(1);
    expect(again.recovery.staleLocksBroken).toBe(3);
    expect([w.read('a.txt'), w.read('b.txt'), w.read('c.txt')]).toEqual(['new a', 'new b', 'new c']);
  });
});
