/**
 * The crash suite takes its crash states from snapshots of one run (fast); that is sound only if a run cut off
 * with crashAfter(n) reaches the same state. This checks it, for every crash point of a workload.
 */
import { describe, expect, it } from 'vitest';
import { createCrashWorld, runWorkload, type CrashWorld, type Workload } from '../../src/testing/index.js';
import { openOn } from './harness.js';

const w: Workload = {
  files: { 'sub/base.txt': 'base', 'a.txt': 'old a' },
  txs: [[{ op: 'write', path: 'a.txt', size: 700 }, { op: 'copy', from: 'sub/base.txt', to: 'b.txt' }], [{ op: 'rename', from: 'b.txt', to: 'sub/d.txt' }, { op: 'delete', path: 'a.txt' }]],
};

/** Every file (the open's probe included: its name is fixed) with its bytes, and the journal. */
const picture = (world: CrashWorld): string =>
  JSON.stringify([world.list('/').map((p) => [p, Buffer.from(world.read(`/${p}`) ?? []).toString('base64')]), world.journalEntries()]);

describe('crash states from snapshots', () => {
  it('equal the states of runs cut off by crashAfter at every call', async () => {
    const recorded = createCrashWorld({ files: w.files, recordCrashPoints: true });
    await runWorkload(await openOn(recorded, 0), w, { world: recorded });
    for (let n = 0; n <= recorded.calls; n++) {
      const cut = createCrashWorld({ files: w.files });
      cut.crashAfter(n);
      await openOn(cut, 0)
        .then((s) => runWorkload(s, w, { world: cut }))
        .catch(() => undefined);
      for (const choice of [{ model: 'lose-unsynced' as const }, { model: 'reorder' as const, seed: 4 }, { model: 'torn' as const, seed: 2 }]) {
        expect(picture(cut.afterCrash(choice)), `crash after call ${n}, ${choice.model}`).toBe(picture(recorded.afterCrashAt(n, choice)));
      }
    }
  });
});
