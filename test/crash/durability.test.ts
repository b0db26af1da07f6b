/**
 * The crash suite under durability 'atomic' (API.md "Durability"): after a crash at every call of generated
 * workloads, under every disk model, every transaction is all old or all new and the files are those after a prefix
 * of the acknowledged transactions (I1, the 'atomic' I2), with no litter (I3) and every backup verifying (I4).
 * Acknowledged transactions rolled back are counted: 'atomic' really defers (the strict I2 fails in some states).
 * Durability 'none' promises only what survives a crash of the process: test/e2e/sigkill.test.ts proves that with SIGKILL.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraries, describeWorkload } from '../../src/testing/index.js';
import { describeFinding, exploreWorkload } from './harness.js';
import { countStates } from './totals.js';

const seed = Number(process.env.FC_SEED ?? 42);

describe("crash suite under durability 'atomic'", () => {
  it('keeps I1, I3, I4 and a prefix of the acknowledged transactions after a crash at any call', async () => {
    let states = 0;
    let rolledBack = 0;
    let workloads = 0;
    await fc.assert(
      fc.asyncProperty(arbitraries.workload({ minTxs: 2, maxTxs: 4 }), async (w) => {
        const r = await exploreWorkload(w, { durability: 'atomic', reorderSeeds: 2, tornSeeds: 1, recoveryCrashes: 'all', seed });
        workloads += 1;
        states += r.states;
        rolledBack += r.rolledBackAcknowledged;
        countStates(r.states, r.findings.length);
        const problems = [...r.findings.slice(0, 3).map((f) => describeFinding(w, f)), ...r.ordering.map((o) => `ordering: ${o}\n${describeWorkload(w)}`)];
        if (problems.length > 0) throw new Error(`${r.findings.length} violating crash states; first ones:\n${problems.join('\n\n')}`);
      }),
      { seed, numRuns: 24 },
    );
    console.log(`durability 'atomic': ${workloads} workloads, ${states} crash states, ${rolledBack} of them with acknowledged transactions rolled back (FC_SEED=${seed})`);
    expect(workloads).toBe(24);
    expect(states).toBeGreaterThan(1000);
    expect(rolledBack).toBeGreaterThan(0);
  }, 600_000);
});
