/**
 * Step 9 riding on the next commit (`journal/riding.ts`), counted on the real LMDB journal: LMDB numbers its write
 * transactions, and every one of them is a commit with its flushes. Sequential single-file writes cost two commits
 * each (intent with the previous finish riding on it, commit point) instead of three, on another file each time and on
 * the same file again (whose manifest entry the next write takes from the finish still riding); the store's state is
 * the same either way.
 */
import { describe, expect, it } from 'vitest';
import type { LmdbJournal } from '../../../src/journal/lmdb.js';
import { storeContextOf } from '../../../src/store/openStore.js';
import { settleBackground } from '../../../src/transaction/context.js';
import { makeFixture } from './storeFixture.js';

const N = 20;
/** No retention work (nothing pruned, nothing compressed): the commits counted are the transactions' own. */
const backups = { keep: 1000 };

const commitsOf = async (rideFinish: boolean, sameFile: boolean): Promise<{ perTx: number; files: Record<string, string> }> => {
  // A ride waits for the next write however slow the machine: the count does not depend on timing.
  const f = await makeFixture({}, { backups }, { tuning: { rideFinish, rideWaitMs: 60_000 } });
  try {
    const ctx = storeContextOf(f.store);
    expect(ctx.riding === undefined).toBe(!rideFinish);
    const journal = (ctx.riding?.inner ?? ctx.env.journal) as LmdbJournal;
    await f.store.writeFile('warm.txt', 'w');
    await settleBackground(ctx);
    const t0 = journal.lastTxnId();
    for (let i = 0; i < N; i++) await f.store.writeFile(sameFile ? 'a.txt' : `f${i}.txt`, `content ${i}`);
    await settleBackground(ctx); // the last finish, on its own
    const perTx = (journal.lastTxnId() - t0) / N;
    const verified = await f.store.verify();
    expect(verified.problems).toEqual([]);
    const listed = await f.store.backups.list('a.txt');
    expect(listed.every((b) => b.damaged !== true)).toBe(true);
    expect(listed).toHaveLength(sameFile ? N - 1 : 0);
    const files = Object.fromEntries(f.files().map((n) => [n, f.read(n) ?? '']));
    return { perTx, files };
  } finally {
    await f.done();
  }
};

describe('the finish riding on the next commit', () => {
  for (const sameFile of [false, true]) {
    it(`costs sequential writes one journal commit each, on ${sameFile ? 'the same file' : 'another file each time'}`, async () => {
      const riding = await commitsOf(true, sameFile);
      const alone = await commitsOf(false, sameFile);
      console.log(`sequential writes, ${sameFile ? 'same file' : 'another file each time'}: LMDB commits per write ${riding.perTx} riding, ${alone.perTx} alone`);
      // Two per write, and the last write's finish once more on its own.
      expect(riding.perTx).toBe((2 * N + 1) / N);
      expect(alone.perTx).toBe(3);
      expect(riding.files).toEqual(alone.files);
    });
  }

  it("rides a prune's journal writes too: sequential writes of one file keeping one backup cost about two commits each", async () => {
    const count = async (rideFinish: boolean): Promise<{ commits: number; backups: number; content: string | undefined }> => {
      const f = await makeFixture({}, { backups: { keep: 1 } }, { tuning: { rideFinish, rideWaitMs: 60_000 } });
      try {
        const ctx = storeContextOf(f.store);
        const journal = (ctx.riding?.inner ?? ctx.env.journal) as LmdbJournal;
        await f.store.writeFile('a.txt', 'first');
        await f.store.writeFile('a.txt', 'second');
        await settleBackground(ctx);
        const t0 = journal.lastTxnId();
        // Each write backs up the one before and prunes the backup before that: an index entry swapped for a
        // pending-removal record, the file unlinked, the record dropped.
        for (let i = 0; i < N; i++) await f.store.writeFile('a.txt', `content ${i}`);
        await settleBackground(ctx);
        const listed = await f.store.backups.list('a.txt');
        expect((await f.store.verify()).problems).toEqual([]);
        return { commits: journal.lastTxnId() - t0, backups: listed.length, content: f.read('a.txt') };
      } finally {
        await f.done();
      }
    };
    const riding = await count(true);
    const alone = await count(false);
    console.log(`sequential writes keeping one backup: LMDB commits per write ${riding.commits / N} riding, ${alone.commits / N} alone`);
    // Intent and commit point each; the finish, the swap and the drop ride on them. A few go alone: a write that backs
    // up the file while the previous prune still holds its swap waits for it. (2.2 per write here; with the swap a
    // commit of its own it was 3.1.)
    expect(riding.commits).toBeLessThanOrEqual(2.5 * N);
    // Alone, the finish and the swap are commits of their own, less what lmdb-js puts into one commit when they are
    // issued in the same turn as another write: 3.0 to 3.4 per write here (3.6 to 3.95 while retention did more
    // journal work per removal, and so met the next write less often). Riding saves about one commit per write; the
    // bound leaves room for that batching, and still fails when nothing rides (the difference is then 0).
    expect(alone.commits - riding.commits).toBeGreaterThanOrEqual(0.5 * N);
    expect(riding.backups).toBe(1);
    expect(alone.backups).toBe(1);
    expect(riding.content).toBe(`content ${N - 1}`);
  });

  it('a call right after a write sees it finished: log, status, verify and a verified read', async () => {
    const f = await makeFixture({}, {}, { tuning: { rideWaitMs: 60_000 } });
    try {
      const r = await f.store.transaction((tx) => void tx.writeFile('a.txt', 'one'));
      expect(storeContextOf(f.store).riding?.held()).toBe(1);
      expect(await f.store.readFile('a.txt', { verify: true, encoding: 'utf8' })).toBe('one');
      const log = [];
      for await (const s of f.store.log()) log.push([s.id, s.state]);
      expect(log).toEqual([[r.id, 'committed']]);
      const status = await f.store.status();
      expect(status.openTransactions).toEqual([]);
      expect(status.locks).toEqual([]);
      expect((await f.store.verify()).problems).toEqual([]);
    } finally {
      await f.done();
    }
  });
});
