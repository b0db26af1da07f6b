/**
 * A file changed behind the transaction's back (after it looked, before its commit point), under crashes:
 * `onConcurrentChange` 'fail' leaves every target as it was (the outside change included), 'overwrite' lands the
 * transaction whole and keeps the outside version as a backup, 'skip' drops only the changed operation.
 */
import { describe, expect, it } from 'vitest';
import type { FileSystem } from '../../src/fs/fileSystem.js';
import type { ConflictPolicy } from '../../src/types.js';
import { checkInvariants, createCrashWorld, type CrashModel, type CrashWorld } from '../../src/testing/index.js';
import { openOn } from './harness.js';
import { countStates } from './totals.js';

const OLD_A = 'old a';
const OLD_B = 'old b';
const OUTSIDE = 'changed by another program';
const NEW_A = 'new a from the transaction';
const NEW_B = 'new b from the transaction';

/** Another program replaces a.txt atomically (temp, fsync, rename, directory fsync) when the transaction stages its first temp file. */
const meddling = (world: CrashWorld): FileSystem => {
  let done = false;
  const change = async (): Promise<void> => {
    const h = await world.fs.open('/.outside.tmp', 'wx');
    await h.write(Buffer.from(OUTSIDE), 0, OUTSIDE.length, null);
    await h.sync();
    await h.close();
    await world.fs.rename('/.outside.tmp', '/a.txt');
    await world.fs.syncDir('/');
  };
  return {
    ...world.fs,
    open: async (path, flags, mode) => {
      if (!done && path.endsWith('.txfs-tmp')) {
        done = true;
        await change();
      }
      return world.fs.open(path, flags, mode);
    },
  };
};

const text = (world: CrashWorld, p: string): string | undefined => {
  const b = world.peek(p);
  return b === undefined ? undefined : Buffer.from(b).toString('utf8');
};

type Pair = readonly [string | undefined, string | undefined];

/** The (a.txt, b.txt) pairs a crash may leave, and the pair once the commit settled, per policy. */
const expected: Record<'fail' | 'overwrite' | 'skip', { during: Pair[]; settled: Pair; code?: string }> = {
  fail: { during: [[OLD_A, OLD_B], [OUTSIDE, OLD_B]], settled: [OUTSIDE, OLD_B], code: 'ECONFLICT' },
  overwrite: { during: [[OLD_A, OLD_B], [OUTSIDE, OLD_B], [NEW_A, NEW_B]], settled: [NEW_A, NEW_B] },
  skip: { during: [[OLD_A, OLD_B], [OUTSIDE, OLD_B], [OUTSIDE, NEW_B]], settled: [OUTSIDE, NEW_B] },
};

describe('a file changed behind the transaction, under crashes', () => {
  it.each(['fail', 'overwrite', 'skip'] as const)('onConcurrentChange %s', async (policy) => {
    const world = createCrashWorld({ files: { 'a.txt': OLD_A, 'b.txt': OLD_B }, recordCrashPoints: true });
    const store = await openOn(world, 0, {}, meddling(world));
    const tx = store.begin({ onConcurrentChange: policy satisfies ConflictPolicy });
    tx.writeFile('a.txt', NEW_A).writeFile('b.txt', NEW_B);
    const outcome = await tx.commit().then(
      () => 'resolved',
      (e: unknown) => (e as { code?: string }).code ?? String(e),
    );
    const settledAt = world.calls;
    const want = expected[policy];
    expect(outcome).toBe(want.code ?? 'resolved');
    expect([text(world, '/a.txt'), text(world, '/b.txt')]).toEqual(want.settled);

    const problems: string[] = [];
    const seen = new Set<string>();
    for (let n = 0; n <= settledAt; n++) {
      for (const [model, seed] of [['lose-unsynced', 0], ['reorder', 1], ['reorder', 2], ['torn', 3]] as Array<[CrashModel, number]>) {
        const after = world.afterCrashAt(n, { model, seed });
        if (seen.has(after.digest())) continue;
        seen.add(after.digest());
        await openOn(after, 1);
        const got: Pair = [text(after, '/a.txt'), text(after, '/b.txt')];
        const allowed = n === settledAt ? [want.settled] : want.during;
        if (!allowed.some((p) => p[0] === got[0] && p[1] === got[1])) problems.push(`crash after call ${n} (${model} ${seed}): a.txt, b.txt = ${JSON.stringify(got)}`);
        // No litter, and the backups (the outside version among them, for 'overwrite') match their checksums.
        problems.push(...checkInvariants(after, after, { files: {}, txs: [] }, { outcomes: [] }).filter((v) => v.invariant === 'I3' || v.invariant === 'I4').map((v) => `crash after call ${n} (${model} ${seed}): ${v.invariant}: ${v.message}`));
      }
    }
    countStates(seen.size, problems.length);
    expect(problems.slice(0, 10)).toEqual([]);
    if (policy === 'overwrite') {
      // The outside version it replaced is kept, not the one the transaction first looked at.
      const kept = await store.backups.list('a.txt');
      expect(kept.map((b) => text(world, b.file))).toContain(OUTSIDE);
    }
  });
});
