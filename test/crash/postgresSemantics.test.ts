/**
 * A smaller sweep of the crash suite over a journal with PostgreSQL's semantics (`journalSemantics: 'remote'`, see
 * `src/testing/memoryJournal.ts`): every journal callback of the protocol first runs over reads that answer "absent"
 * and again once they are fetched, and only its last run counts. Then the fault that only a remote journal has: a
 * commit that lands while its call rejects (the connection lost as the COMMIT went, the outcome not found in time) —
 * at every journal commit of generated workloads, the store going on afterwards, then a crash and recovery.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraries, checkInvariants, createCrashWorld, describeWorkload, runWorkload, type Violation } from '../../src/testing/index.js';
import { describeFinding, exploreWorkload, openOn } from './harness.js';
import { countStates } from './totals.js';

const seed = Number(process.env.FC_SEED ?? 42);

describe("crash suite over a journal with PostgreSQL's semantics", () => {
  it('keeps I1–I5 after a crash at any call (and during recovery) when journal callbacks run until they have read everything', async () => {
    let states = 0;
    let workloads = 0;
    await fc.assert(
      fc.asyncProperty(arbitraries.workload(), async (w) => {
        const r = await exploreWorkload(w, { journalSemantics: 'remote', reorderSeeds: 1, tornSeeds: 1, recoveryCrashes: 'all', seed });
        workloads += 1;
        states += r.states;
        countStates(r.states, r.findings.length);
        const problems = [...r.findings.slice(0, 3).map((f) => describeFinding(w, f)), ...r.ordering.map((o) => `ordering: ${o}\n${describeWorkload(w)}`)];
        if (problems.length > 0) throw new Error(`${r.findings.length} violating crash states; first ones:\n${problems.join('\n\n')}`);
      }),
      { seed, numRuns: 10 },
    );
    console.log(`remote journal semantics: ${workloads} workloads, ${states} crash states, 0 violations (FC_SEED=${seed})`);
    expect(states).toBeGreaterThan(500);
  }, 600_000);

  it('keeps I1–I4 when any one journal commit lands but its call fails, the store goes on, and a crash follows', async () => {
    let runs = 0;
    let failedCalls = 0;
    let acknowledged = 0;
    await fc.assert(
      fc.asyncProperty(arbitraries.workload(), async (w) => {
        // How many journal commits the workload makes, once the store is open.
        const probe = createCrashWorld({ files: w.files, journalSemantics: 'remote' });
        await runWorkload(await openOn(probe, 0), w, { world: probe });
        const commits = probe.trace.filter((r) => r.kind.startsWith('journal.') && (r.writes?.size ?? 0) > 0).length;
        const violations: string[] = [];
        for (let k = 1; k <= commits; k++) {
          const world = createCrashWorld({ files: w.files, journalSemantics: 'remote' });
          const store = await openOn(world, 0);
          world.loseCommitAnswer(k);
          const acked = await runWorkload(store, w, { world });
          runs += 1;
          failedCalls += acked.outcomes.filter((o) => o.status === 'failed').length;
          acknowledged += acked.outcomes.filter((o) => o.status === 'acked').length;
          const after = world.afterCrash();
          let v: Violation[];
          try {
            const recovered = await openOn(after, 1);
            v = checkInvariants(world, after, w, acked);
            v.push(...(await recovered.backups.verify()).problems.map((p): Violation => ({ invariant: 'I4', message: `${p.kind}: ${p.message}` })));
          } catch (e) {
            v = [{ invariant: 'I5', message: `recovery failed: ${String(e)}` }];
          }
          for (const x of v) violations.push(`commit ${k} of ${commits} lost its answer: ${x.invariant}: ${x.message}`);
        }
        if (violations.length > 0) throw new Error(`${violations.slice(0, 3).join('\n')}\n${describeWorkload(w)}`);
      }),
      { seed, numRuns: 16 },
    );
    console.log(`lost commit answers: ${runs} runs (one commit each), ${acknowledged} transactions acknowledged, ${failedCalls} failed, 0 violations (FC_SEED=${seed})`);
    expect(failedCalls).toBeGreaterThan(0);
    expect(runs).toBeGreaterThan(50);
  }, 600_000);
});
