/**
 * The crash world's journal with PostgreSQL's semantics (`journalSemantics: 'remote'`): the Journal contract holds;
 * a callback runs first over reads that answer "absent" and again once they are fetched, only its last run counting;
 * a commit whose answer is lost (`loseCommitAnswer`) lands and its call rejects with EJOURNAL.
 */
import { describe, expect, it } from 'vitest';
import type { Journal } from '../../../src/journal/journal.js';
import { MAX_KEY_BYTES } from '../../../src/journal/journal.js';
import { createCrashWorld } from '../../../src/testing/index.js';
import { describeJournal } from '../../contract/journal.js';

describeJournal(
  'crash world, remote semantics',
  async () => {
    let world = createCrashWorld({ journalSemantics: 'remote' });
    return {
      journal: world.journal,
      reopen: async (): Promise<Journal> => {
        world = world.afterCrash();
        return world.journal;
      },
    };
  },
  { maxKeyBytes: MAX_KEY_BYTES, numRuns: 40 },
);

describe("the crash world's remote semantics", () => {
  it('runs a callback over absent reads first, then again with what it read: only the last run counts', async () => {
    const world = createCrashWorld({ journalSemantics: 'remote' });
    await world.journal.put('a', 'b');
    await world.journal.put('b', 2);
    const seen: unknown[] = [];
    const result = await world.journal.transact((txn) => {
      const first = txn.get('a');
      const second = typeof first === 'string' ? txn.get(first) : undefined;
      seen.push([first, second]);
      txn.put('out', [first, second]);
      return second;
    });
    expect(seen).toEqual([
      [undefined, undefined],
      ['b', undefined],
      ['b', 2],
    ]);
    expect(result).toBe(2);
    expect(await world.journal.get('out')).toEqual(['b', 2]);
  });

  it('lands a commit whose answer is lost, and rejects its call with EJOURNAL saying the outcome is unknown', async () => {
    const world = createCrashWorld({ journalSemantics: 'remote' });
    await world.journal.put('n', 1);
    world.loseCommitAnswer(2);
    await world.journal.put('n', 2);
    await expect(world.journal.transact((txn) => txn.put('n', (txn.get('n') as number) + 1))).rejects.toMatchObject({ code: 'EJOURNAL' });
    expect(await world.journal.get('n')).toBe(3);
    await world.journal.put('n', 4);
    expect(await world.afterCrash().journal.get('n')).toBe(4);
  });
});
