/**
 * StoreOptions.durability (API.md "Durability"): what a resolved commit has made durable in each mode, seen through
 * a FileSystem over the real disk that counts the fsyncs and can hold the root directory's fsync back.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { decodeTx, txPrefix } from '../../../src/journal/records/txRecord.js';
import { lockPrefix } from '../../../src/journal/records/lockRecord.js';
import type { LmdbJournal } from '../../../src/journal/lmdb.js';
import { openStore, storeContextOf } from '../../../src/store/openStore.js';
import type { Durability } from '../../../src/types.js';

const scratch: string[] = [];
afterEach(() => {
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempRoot = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-durability-'));
  scratch.push(d);
  return d;
};

/** The node adapter, counting its fsyncs; `gate` (when set) holds every fsync of `held` back until it resolves. */
const watched = (held: string) => {
  const counts = { syncDir: 0, fileSyncs: 0 };
  let gate: Promise<void> | undefined;
  let heldNow = 0;
  const fsw: FileSystem = {
    ...nodeFileSystem,
    syncDir: async (p) => {
      counts.syncDir++;
      if (p === held && gate !== undefined) {
        heldNow++;
        await gate;
      }
      return nodeFileSystem.syncDir(p);
    },
    open: async (p, flags, mode) => {
      const fh = await nodeFileSystem.open(p, flags, mode);
      return {
        ...fh,
        write: fh.write.bind(fh), read: fh.read.bind(fh), stat: fh.stat.bind(fh), truncate: fh.truncate.bind(fh), close: fh.close.bind(fh),
        ...(fh.chown === undefined ? {} : { chown: fh.chown.bind(fh) }),
        sync: async () => {
          counts.fileSyncs++;
          return fh.sync();
        },
        datasync: async () => {
          counts.fileSyncs++;
          return fh.datasync();
        },
      };
    },
  };
  return {
    fs: fsw,
    counts,
    hold: (): (() => void) => {
      let release = (): void => undefined;
      gate = new Promise<void>((r) => {
        release = r;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    heldNow: () => heldNow,
  };
};

const all = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

const settledWithin = async (p: Promise<unknown>, turns: number): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < turns && !done; i++) await new Promise((r) => setTimeout(r, 10));
  return done;
};

const openWith = (root: string, durability: Durability, w: ReturnType<typeof watched>) => openStore({ root, durability, fs: w.fs });

describe('durability', () => {
  it("'full': commit() does not resolve before the renames' directory is fsynced", async () => {
    const root = tempRoot();
    const w = watched(root);
    const store = await openWith(root, 'full', w);
    try {
      const release = w.hold();
      const commit = store.writeFile('a.txt', 'one');
      expect(await settledWithin(commit, 50)).toBe(false);
      expect(w.heldNow()).toBe(1);
      release();
      await expect(commit).resolves.toMatchObject({ status: 'written' });
    } finally {
      await store.close();
    }
  });

  it("'atomic': commit() resolves before the directory fsync; the record stays committing and the locks held until it has run", async () => {
    const root = tempRoot();
    const w = watched(root);
    const store = await openWith(root, 'atomic', w);
    const release = w.hold();
    try {
      const result = await store.writeFile('a.txt', 'one');
      expect(result.status).toBe('written');
      expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('one');
      expect(w.heldNow()).toBe(1);
      // (status() would wait for it: the journal itself is read.)
      const journal = storeContextOf(store).env.journal;
      expect((await journal.range(lockPrefix)).length).toBe(1);
      expect((await journal.range(txPrefix)).map(({ key, value }) => decodeTx(key, value).state)).toEqual(['committing']);
      // A later commit point waits for it: a second transaction (another file) does not resolve while it is held.
      const second = store.writeFile('b.txt', 'two');
      expect(await settledWithin(second, 30)).toBe(false);
      release();
      await expect(second).resolves.toMatchObject({ status: 'written' });
    } finally {
      release();
      await store.close();
    }
    const again = await openStore({ root });
    try {
      const after = await again.status();
      expect(after.openTransactions).toEqual([]);
      expect(after.locks).toEqual([]);
      expect(again.recovery.rolledForward).toEqual([]);
      expect((await all(again.log())).map((t) => t.state)).toEqual(['committed', 'committed']);
    } finally {
      await again.close();
    }
  });

  /**
   * Under 'atomic': writes a.txt, then `second` while the first's directory fsync is held; once released, how many LMDB
   * commits the second's call took from there, and the transactions' states (oldest first) when it resolved.
   */
  const secondAfterHeld = async (root: string, second: string): Promise<{ commits: number; states: string[] }> => {
    const w = watched(root);
    const store = await openWith(root, 'atomic', w);
    const release = w.hold();
    try {
      await store.writeFile('a.txt', 'one');
      const call = store.writeFile(second, 'two');
      // The second's intent is written; it waits for the first's directory fsync (held).
      expect(await settledWithin(call, 30)).toBe(false);
      const ctx = storeContextOf(store);
      const lmdb = (ctx.riding?.inner ?? ctx.env.journal) as LmdbJournal;
      const before = lmdb.lastTxnId();
      release();
      await expect(call).resolves.toMatchObject({ status: 'written' });
      const commits = lmdb.lastTxnId() - before;
      const recs = (await ctx.env.journal.range(txPrefix)).map(({ key, value }) => decodeTx(key, value));
      return { commits, states: recs.sort((x, y) => x.startedAt - y.startedAt || (x.id < y.id ? -1 : 1)).map((t) => t.state) };
    } finally {
      release();
      await store.close();
    }
  };

  it("'atomic': once its directory fsync is done, an earlier transaction's finish rides on the next commit point: one LMDB commit for both", async () => {
    const r = await secondAfterHeld(tempRoot(), 'b.txt');
    // The first's finish (committed, its lock released) and the second's commit point: the same commit, one flush.
    expect(r.commits).toBe(1);
    expect(r.states).toEqual(['committed', 'committing']);
  });

  it("'atomic': a second write of the same file waits for the first one's directory fsync, and the first one's finish rides on its intent", async () => {
    const root = tempRoot();
    const r = await secondAfterHeld(root, 'a.txt');
    // The first's finish rode on the second's intent (locks and record): then the second's commit point.
    expect(r.commits).toBe(2);
    expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('two');
    const again = await openStore({ root });
    try {
      expect((await again.status()).locks).toEqual([]);
      expect((await all(again.log())).map((t) => t.state)).toEqual(['committed', 'committed']);
      expect((await again.backups.list('a.txt')).length).toBe(1);
    } finally {
      await again.close();
    }
  });

  it("'atomic': a second write of the same file waits for the first one's finish, then lands", async () => {
    const root = tempRoot();
    const w = watched(root);
    const store = await openWith(root, 'atomic', w);
    try {
      for (let i = 0; i < 5; i++) await store.writeFile('a.txt', `v${i}`);
      expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('v4');
    } finally {
      await store.close();
    }
    expect(w.counts.syncDir).toBeGreaterThan(0);
  });

  it("'none': no file or directory is fsynced, and the store reopens with every commit", async () => {
    const root = tempRoot();
    const w = watched(root);
    const store = await openWith(root, 'none', w);
    try {
      const before = { ...w.counts };
      await store.transaction((tx) => {
        tx.writeFile('a.txt', 'one');
        tx.writeFile('b.txt', 'two');
      });
      await store.writeFile('a.txt', 'three');
      expect(w.counts).toEqual(before);
    } finally {
      await store.close();
    }
    const again = await openStore({ root });
    try {
      expect((await all(again.log())).length).toBe(2);
      expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('three');
    } finally {
      await again.close();
    }
  });

  it("a journal open without fsync ('none') is not shared with a store that asks for fsync, in one process", async () => {
    const root = tempRoot();
    const store = await openStore({ root, durability: 'none' });
    try {
      await expect(openStore({ root })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/another durability/) as string });
    } finally {
      await store.close();
    }
    const after = await openStore({ root });
    await after.close();
  });
});
