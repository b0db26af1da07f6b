import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraries, describeWorkload } from '../../src/testing/index.js';
import { describeFinding, exploreWorkload } from './harness.js';
import { countStates } from './totals.js';

/** At least this many distinct crash states per run: TXFS_CRASH_STATES (or `npm run test:crash -- --states N`), default 20,000. */
const target = Number(process.env.TXFS_CRASH_STATES ?? 20_000);
const seed = Number(process.env.FC_SEED ?? 42);
/** Generous: the default run takes a minute or two on two cores; a night run scales with its target. */
const timeout = Math.max(600_000, target * 30);
/** Property runs spent shrinking a failing workload (each explores every crash state of a candidate that passes). */
const SHRINK_BUDGET = 120;

describe('crash suite: every crash point of generated workloads, under every crash model', () => {
  it(
    'recovery leaves I1–I5 true after a crash at any call (and after a crash during recovery)',
    async () => {
      let states = 0;
      let workloads = 0;
      let failure: string | undefined;
      // Batches of a few workloads each, every batch with its own seed derived from FC_SEED, until the target is met.
      for (let batch = 0; states < target && failure === undefined; batch++) {
        const batchSeed = (seed + batch * 7919) | 0;
        // Once a workload failed, fast-check shrinks it: each shrink step needs only one violating state.
        let shrinking = false;
        let shrinkRuns = 0;
        try {
          await fc.assert(
            fc.asyncProperty(arbitraries.workload(), async (w) => {
              // A bounded shrink: past the budget every candidate passes, so fast-check reports the smallest so far.
              if (shrinking && ++shrinkRuns > SHRINK_BUDGET) return;
              const r = await exploreWorkload(w, {
                reorderSeeds: 3,
                tornSeeds: 2,
                recoveryCrashes: workloads % 5 === 4 ? 'nested' : 'all',
                seed: batchSeed,
                stopAtFirst: shrinking,
              });
              workloads += 1;
              states += r.states;
              countStates(r.states, r.findings.length);
              const problems = [
                ...r.findings.slice(0, 3).map((f) => describeFinding(w, f)),
                ...r.ordering.map((o) => `ordering: ${o}\n${describeWorkload(w)}`),
              ];
              if (problems.length > 0) shrinking = true;
              if (problems.length > 0) throw new Error(`${r.findings.length} violating crash states; first ones:\n${problems.join('\n\n')}`);
            }),
            { seed: batchSeed, numRuns: 8 },
          );
        } catch (e) {
          // fast-check keeps the property's own error (the shrunk workload's findings) as the cause.
          const cause = e instanceof Error && e.cause instanceof Error ? `\n${e.cause.message}` : '';
          failure = `${e instanceof Error ? e.message : String(e)}${cause}\n(batch ${batch}, replay with FC_SEED=${seed})`;
        }
      }
      console.log(`crash suite: ${workloads} workloads (FC_SEED=${seed}), target ${target} states`);
      expect(failure).toBeUndefined();
      expect(states).toBeGreaterThanOrEqual(target);
    },
    timeout,
  );
});
