/**
 * The Journal contract against the crash world's in-memory journal (a restart is a crash), and what a crash keeps of
 * it: by default (LMDB as a store opens it, `overlappingSync: false`) every commit that resolved; with
 * `journalDurability: 'flush'` (`overlappingSync: true`) every commit a resolved `flush()` covered, and of the later
 * ones a prefix in commit order — none under 'lose-unsynced', a seeded prefix under 'reorder' and 'torn', all with
 * `journal: 'all'`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Journal } from '../../../src/journal/journal.js';
import { createCrashWorld, type CrashModel, type CrashWorld } from '../../../src/testing/index.js';
import { describeJournal } from '../../contract/journal.js';
import { MAX_KEY_BYTES } from '../../../src/journal/journal.js';

describeJournal(
  'crash world',
  async () => {
    let world = createCrashWorld();
    return {
      journal: world.journal,
      reopen: async (): Promise<Journal> => {
        world = world.afterCrash();
        return world.journal;
      },
    };
  },
  {
    // The same limit as LMDB's, so the crash suite meets ENAMETOOLONG where production would.
    maxKeyBytes: MAX_KEY_BYTES,
  },
);

/** Three commits after the flushed state, the second one of two keys; returns the journal states in order. */
const commitAfterFlush = async (world: CrashWorld): Promise<Array<Record<string, unknown>>> => {
  const j = world.journal;
  await j.put('flushed/1', 'f1');
  await j.transact((txn) => {
    txn.put('flushed/2', 'f2');
    txn.put('later', 0);
  });
  await j.flush();
  const states: Array<Record<string, unknown>> = [{ 'flushed/1': 'f1', 'flushed/2': 'f2', later: 0 }];
  await j.put('later', 1);
  states.push({ 'flushed/1': 'f1', 'flushed/2': 'f2', later: 1 });
  await j.transact((txn) => {
    txn.put('later', 2);
    txn.remove('flushed/1');
    txn.put('pair', 2);
  });
  states.push({ 'flushed/2': 'f2', later: 2, pair: 2 });
  await j.remove('pair');
  states.push({ 'flushed/2': 'f2', later: 2 });
  return states;
};

const contentOf = async (j: Journal): Promise<Record<string, unknown>> =>
  Object.fromEntries((await j.range('')).map((e) => [e.key, e.value]));

describe('the crash world journal across a crash', () => {
  it('keeps every resolved commit by default, under every crash model and seed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<CrashModel>('lose-unsynced', 'reorder', 'torn'), fc.nat(), async (model, seed) => {
        const world = createCrashWorld({ model, seed });
        const states = await commitAfterFlush(world);
        expect(await contentOf(world.afterCrash().journal)).toEqual(states[3]);
      }),
    );
  });

  it("with journalDurability 'flush', keeps exactly the flushed commits under 'lose-unsynced': every later one is lost", async () => {
    const world = createCrashWorld({ journalDurability: 'flush' });
    const states = await commitAfterFlush(world);
    expect(await contentOf(world.journal)).toEqual(states[3]);
    expect(await contentOf(world.afterCrash().journal)).toEqual(states[0]);
    expect(await contentOf(world.afterCrash({ journal: 'none' }).journal)).toEqual(states[0]);
  });

  it("keeps every commit with journal: 'all', and everything once flushed", async () => {
    const world = createCrashWorld({ journalDurability: 'flush' });
    const states = await commitAfterFlush(world);
    expect(await contentOf(world.afterCrash({ journal: 'all' }).journal)).toEqual(states[3]);
    await world.journal.flush();
    expect(await contentOf(world.afterCrash().journal)).toEqual(states[3]);
  });

  it("keeps the flushed commits and a prefix of the later ones under 'reorder' and 'torn', for every seed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<CrashModel>('reorder', 'torn'), fc.nat(), async (model, seed) => {
        const world = createCrashWorld({ model, seed, journalDurability: 'flush' });
        const states = await commitAfterFlush(world);
        expect(states).toContainEqual(await contentOf(world.afterCrash().journal));
      }),
    );
  });

  it("under 'reorder', some seed loses every unflushed commit, some keeps them all, and some keeps only the first", async () => {
    const kept = new Set<number>();
    for (let seed = 0; seed < 64; seed++) {
      const world = createCrashWorld({ model: 'reorder', seed, journalDurability: 'flush' });
      const states = await commitAfterFlush(world);
      const after = await contentOf(world.afterCrash().journal);
      kept.add(states.findIndex((s) => JSON.stringify(s) === JSON.stringify(after)));
    }
    expect([...kept].sort()).toEqual([0, 1, 2, 3]);
  });

  it('cuts the journal off at the crash point: the refused commit rejects with ECRASH and is not in the survivor', async () => {
    const world = createCrashWorld();
    await world.journal.put('a', 1);
    await world.journal.flush();
    world.crashAfter(world.calls);
    await expect(world.journal.put('b', 2)).rejects.toMatchObject({ code: 'ECRASH' });
    await expect(world.journal.get('a')).rejects.toMatchObject({ code: 'ECRASH' });
    expect(world.journalEntries()).toEqual([{ key: 'a', value: 1 }]);
    expect(await contentOf(world.afterCrash({ journal: 'all' }).journal)).toEqual({ a: 1 });
  });
});
