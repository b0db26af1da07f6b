/**
 * The workload model's onExists policies ('skip', 'fail', 'rename') agree with the store, crash-free and crashed.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants, createCrashWorld, runWorkload, type Workload } from '../../src/testing/index.js';
import { describeFinding, exploreWorkload, openOn } from './harness.js';
import { countStates } from './totals.js';

const w: Workload = {
  files: { 'sub/base.txt': 'base', 'a.txt': 'old a', 'c.json': '{}' },
  txs: [
    [{ op: 'write', path: 'a.txt', size: 10 }, { op: 'copy', from: 'sub/base.txt', to: 'c.json' }, { op: 'write', path: 'b.txt', size: 5 }],
    [{ op: 'write', path: 'a.txt', size: 11 }, { op: 'write', path: 'sub/d.txt', size: 7 }],
    [{ op: 'rename', from: 'c.json', to: 'b.txt' }, { op: 'write', path: 'sub/e.txt', size: 3 }],
    [{ op: 'write', path: 'a.txt', size: 12 }],
  ],
  policies: ['rename', 'skip', 'rename', 'fail'],
};

describe('onExists policies in workloads', () => {
  it('land where the model says, without a crash', async () => {
    const world = createCrashWorld({ files: w.files });
    const acked = await runWorkload(await openOn(world, 0), w, { world });
    expect(acked.outcomes.map((o) => (o.status === 'failed' ? o.code : o.status))).toEqual(['acked', 'acked', 'acked', 'ECONFLICT']);
    expect(world.list('/').filter((p) => !p.startsWith('.txfs/'))).toEqual(['a (1).txt', 'a.txt', 'b (1).txt', 'b.txt', 'c (1).json', 'sub/base.txt', 'sub/d.txt', 'sub/e.txt']);
    expect(checkInvariants(world, world, w, acked)).toEqual([]);
  });

  it('keep I1–I5 at every crash point', async () => {
    const r = await exploreWorkload(w, { reorderSeeds: 4, tornSeeds: 2, recoveryCrashes: 'all', seed: 2 });
    countStates(r.states, r.findings.length);
    expect(r.findings.slice(0, 3).map((f) => describeFinding(w, f))).toEqual([]);
  });
});
