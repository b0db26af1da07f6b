/**
 * The crash suite has teeth: each deliberately broken step of the commit protocol or of recovery produces crash states
 * that break I1–I5 (counted apart from the ordering rule of the call trace, which is checked on its own).
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolBreaks } from '../../src/testing/protocolBreaks.js';
import type { Workload } from '../../src/testing/index.js';
import { describeFinding, exploreWorkload, type ExploreOptions } from './harness.js';
import { countStates } from './totals.js';

// New files only: no backups are involved, so each break of the commit steps is the only thing that can go wrong.
const newFiles: Workload = {
  files: { 'sub/base.txt': 'base' },
  txs: [
    [{ op: 'write', path: 'a.txt', size: 10 }, { op: 'write', path: 'b.txt', size: 700 }, { op: 'write', path: 'sub/d.txt', size: 30 }],
    [{ op: 'write', path: 'c.json', size: 5 }],
  ],
};
// Replaced and deleted files: backups are taken, and recovery has renames to make durable.
const replacing: Workload = {
  files: { 'sub/base.txt': 'base', 'a.txt': 'old a', 'c.json': '{"old":1}' },
  txs: [
    [{ op: 'write', path: 'a.txt', size: 300 }, { op: 'delete', path: 'sub/base.txt' }, { op: 'write', path: 'sub/d.txt', size: 20 }],
    [{ op: 'write', path: 'c.json', size: 5 }],
  ],
};

const options: ExploreOptions = { reorderSeeds: 4, tornSeeds: 2, recoveryCrashes: 'none', seed: 11 };
const withRecoveryCrashes: ExploreOptions = { ...options, recoveryCrashes: 'all' };

interface Break {
  readonly name: string;
  readonly breaks: ProtocolBreaks;
  readonly workloads: readonly Workload[];
  readonly options: ExploreOptions;
  /** The ordering rules of `ordering.ts` cover it (they say nothing about the backup directory's fsync). */
  readonly traced: boolean;
}

const cases: Break[] = [
  { name: 'noDirSync', breaks: { noDirSync: true }, workloads: [newFiles], options, traced: true },
  { name: 'renameBeforeCommitPoint', breaks: { renameBeforeCommitPoint: true }, workloads: [newFiles], options, traced: true },
  { name: 'noTempSync', breaks: { noTempSync: true }, workloads: [newFiles], options, traced: true },
  // Under LMDB as a store opens it a commit is durable once it resolved: these two break only under overlappingSync, whose states the suite draws too.
  { name: 'commitPointNotFlushed', breaks: { commitPointNotFlushed: true }, workloads: [newFiles], options, traced: true },
  { name: 'intentNotFlushed', breaks: { intentNotFlushed: true }, workloads: [newFiles, replacing], options, traced: true },
  { name: 'protectNoDirSync', breaks: { protectNoDirSync: true }, workloads: [replacing], options, traced: false },
  // Only a crash of recovery itself can show it: recovery's final word durable, its renames not.
  { name: 'recoveryNoDirSync', breaks: { recoveryNoDirSync: true }, workloads: [replacing], options: withRecoveryCrashes, traced: true },
  // Durability 'atomic' with a later commit point not waiting for the earlier transactions' directory fsyncs.
  { name: 'atomicOutOfOrder', breaks: { atomicOutOfOrder: true }, workloads: [newFiles, replacing], options: { ...options, durability: 'atomic' }, traced: true },
];

describe('the crash suite has teeth', () => {
  it('finds nothing wrong with the correct protocol on these workloads, recovery crashed at every call included', async () => {
    for (const [w, o] of [newFiles, replacing].flatMap((x) => [[x, withRecoveryCrashes], [x, { ...withRecoveryCrashes, durability: 'atomic' }]] as const)) {
      const r = await exploreWorkload(w, o);
      countStates(r.states, r.findings.length);
      expect(r.findings.map((f) => describeFinding(w, f))).toEqual([]);
      expect(r.ordering).toEqual([]);
      expect(r.recoveryCrashStates).toBeGreaterThan(0);
    }
  });

  it.each(cases)('catches the broken protocol $name by I1–I5 on the crash states', async ({ name, breaks, workloads, options: o }) => {
    const found: string[] = [];
    const byInvariant = new Map<string, number>();
    let states = 0;
    for (const w of workloads) {
      // Not added to the suite's totals: here violations are the expected outcome.
      const r = await exploreWorkload(w, { ...o, breaks });
      states += r.states;
      found.push(...r.findings.map((f) => describeFinding(w, f, breaks)));
      for (const f of r.findings) for (const inv of new Set(f.violations.map((v) => v.invariant))) byInvariant.set(inv, (byInvariant.get(inv) ?? 0) + 1);
    }
    const counts = [...byInvariant].sort().map(([inv, k]) => `${inv} ${k}`).join(', ');
    console.log(`broken protocol ${name}: ${found.length} of ${states} crash states violate I1–I5 (${counts}); first:\n${found[0] ?? '(none)'}`);
    expect(found.length).toBeGreaterThan(0);
  });

  it.each(cases.filter((c) => c.traced))('catches the broken protocol $name by the ordering check of the call trace', async ({ name, breaks, workloads, options: o }) => {
    const ordering: string[] = [];
    for (const w of workloads) ordering.push(...(await exploreWorkload(w, { ...o, breaks, stopAtFirst: o.recoveryCrashes === 'none' })).ordering);
    console.log(`${name}: ${ordering.length} broken ordering rules; first: ${ordering[0] ?? '(none)'}`);
    expect(ordering.length).toBeGreaterThan(0);
  });
});
