import { describe, expect, it } from 'vitest';
import type { ProtocolBreaks } from '../../src/testing/protocolBreaks.js';
import type { Workload } from '../../src/testing/index.js';
import { describeFinding, exploreWorkload, type ExploreOptions } from './harness.js';
import { countStates } from './totals.js';

// New files only: no backups are involved, so each break is the only thing that can go wrong.
const workloads: Workload[] = [
  {
    files: { 'sub/base.txt': 'base' },
    txs: [
      [{ op: 'write', path: 'a.txt', size: 10 }, { op: 'write', path: 'b.txt', size: 700 }, { op: 'write', path: 'sub/d.txt', size: 30 }],
      [{ op: 'write', path: 'c.json', size: 5 }],
    ],
  },
];

const options: ExploreOptions = { reorderSeeds: 4, tornSeeds: 2, recoveryCrashes: 'none', seed: 11 };

const breaks: Array<[string, ProtocolBreaks]> = [
  ['noDirSync', { noDirSync: true }],
  ['renameBeforeCommitPoint', { renameBeforeCommitPoint: true }],
  ['noTempSync', { noTempSync: true }],
  ['commitPointNotFlushed', { commitPointNotFlushed: true }],
];

describe('the crash suite has teeth', () => {
  it('finds nothing wrong with the correct protocol on these workloads', async () => {
    for (const w of workloads) {
      const r = await exploreWorkload(w, options);
      countStates(r.states, r.findings.length);
      expect(r.findings.map((f) => describeFinding(w, f))).toEqual([]);
      expect(r.ordering).toEqual([]);
    }
  });

  it.each(breaks)('catches the broken protocol %s by I1–I5 on the crash states', async (_name, b) => {
    const found: string[] = [];
    for (const w of workloads) {
      // Not added to the suite's totals: here violations are the expected outcome.
      const r = await exploreWorkload(w, { ...options, breaks: b });
      found.push(...r.findings.map((f) => describeFinding(w, f, b)));
    }
    console.log(`broken protocol ${_name}: ${found.length} violating crash states found (as it must); first:\n${found[0] ?? '(none)'}`);
    expect(found.length).toBeGreaterThan(0);
  });

  it.each(breaks)('catches the broken protocol %s by the ordering check of the call trace', async (_name, b) => {
    const r = await exploreWorkload(workloads[0] as Workload, { ...options, breaks: b, stopAtFirst: true });
    console.log(`${_name}: ${r.ordering.join('; ')}`);
    expect(r.ordering.length).toBeGreaterThan(0);
  });
});
