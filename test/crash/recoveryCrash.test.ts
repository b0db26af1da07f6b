/**
 * Crashes during recovery, nested two levels deep: recovery cut off at every call (its journal commits kept as LMDB
 * keeps them, or lost since the last flush; the disk under every model), the next recovery cut off at every call, and
 * a third recovery must still reach what one uninterrupted recovery reaches.
 */
import { describe, expect, it } from 'vitest';
import type { Workload } from '../../src/testing/index.js';
import { describeFinding, exploreWorkload } from './harness.js';
import { countStates } from './totals.js';

const workloads: Array<[string, Workload]> = [
  ['a two-file write replacing a file', { files: { 'sub/base.txt': 'base', 'a.txt': 'old a' }, txs: [[{ op: 'write', path: 'a.txt', size: 300 }, { op: 'write', path: 'sub/d.txt', size: 20 }]] }],
  ['a rename over an existing file and a delete', { files: { 'sub/base.txt': 'base', 'a.txt': 'old a', 'b.txt': 'old b' }, txs: [[{ op: 'rename', from: 'a.txt', to: 'b.txt' }, { op: 'delete', path: 'sub/base.txt' }]] }],
];

describe('crash during recovery, nested two levels deep', () => {
  it.each(workloads)('%s', async (_name, w) => {
    const r = await exploreWorkload(w, { reorderSeeds: 6, tornSeeds: 2, recoveryCrashes: 'nested', seed: 3 });
    countStates(r.states, r.findings.length);
    console.log(`${_name}: ${r.states} states, ${r.recoveryCrashStates} with recovery crashed once, ${r.nestedStates} twice`);
    expect(r.recoveryCrashStates).toBeGreaterThan(0);
    expect(r.nestedStates).toBeGreaterThan(0);
    expect(r.findings.slice(0, 3).map((f) => describeFinding(w, f))).toEqual([]);
    expect(r.ordering).toEqual([]);
  });
});
