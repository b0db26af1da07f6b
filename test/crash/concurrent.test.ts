/**
 * Concurrent transactions under crashes: several transactions on disjoint paths commit at once (sharing journal
 * commits and batched directory fsyncs), the world is cut off after every call, and after recovery each
 * transaction is whole or absent on its own — and whole if its commit resolved.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arbitraries,
  checkInvariants,
  contentOf,
  createCrashWorld,
  describeBytes,
  describeWorkload,
  type CrashModel,
  type CrashWorld,
  type Workload,
  type WorkloadOp,
} from '../../src/testing/index.js';
import { applyTx, initialState, parentOf, pathsOf, targetsOf, type ModelState } from '../../src/testing/workload.js';
import { openOn } from './harness.js';
import { checkOrdering } from './ordering.js';
import { countStates } from './totals.js';

/** Keeps, of each transaction, the operations whose paths (and their parents) no earlier transaction touched (or would have). */
const disjoint = (w: Workload): Workload => {
  const owner = new Map<string, number>();
  const txs = w.txs.map((tx, k) =>
    tx.filter((op) => {
      const paths = pathsOf(op).flatMap((p) => [p, parentOf(p)]).filter((p) => p !== '');
      if (paths.some((p) => (owner.get(p) ?? k) !== k)) {
        // A dropped operation still made its paths what later ones expect: nobody may use them any more.
        for (const p of paths) if (!owner.has(p)) owner.set(p, -1);
        return false;
      }
      for (const p of paths) owner.set(p, k);
      return true;
    }),
  );
  return { files: w.files, txs: txs.filter((tx) => tx.length > 0) };
};

const addOps = (tx: ReturnType<Awaited<ReturnType<typeof openOn>>['begin']>, ops: readonly WorkloadOp[], k: number): void => {
  ops.forEach((op, i) => {
    if (op.op === 'write') tx.writeFile(op.path, contentOf(k, i, op.size));
    else if (op.op === 'delete') tx.delete(op.path);
    else if (op.op === 'rename') tx.rename(op.from, op.to);
    else if (op.op === 'copy') tx.copy(op.from, op.to);
    else tx.mkdir(op.path);
  });
};

const observe = (world: CrashWorld, p: string, state: ModelState): boolean =>
  state.dirs.has(p) || world.kindOf(`/${p}`) === 'directory'
    ? state.dirs.has(p) === (world.kindOf(`/${p}`) === 'directory')
    : Buffer.from(world.peek(`/${p}`) ?? []).equals(Buffer.from(state.files.get(p) ?? [])) && world.peek(`/${p}`) !== undefined === state.files.has(p);

/** I1/I2 per transaction (each on its own paths), and I3/I4 as for sequential workloads. */
const check = (w: Workload, after: CrashWorld, acked: ReadonlySet<number>): string[] => {
  const init = initialState(w);
  const out: string[] = [];
  w.txs.forEach((tx, k) => {
    const done = applyTx(init, tx, k);
    const targets = [...new Set(tx.flatMap(targetsOf))];
    const isNew = targets.filter((p) => observe(after, p, done));
    const isOld = targets.filter((p) => observe(after, p, init));
    const neither = targets.filter((p) => !isNew.includes(p) && !isOld.includes(p));
    for (const p of neither) out.push(`I1: tx${k}'s ${p} holds ${describeBytes(after.peek(`/${p}`))}, neither old nor new`);
    if (acked.has(k) && isNew.length < targets.length) out.push(`I2: tx${k} resolved, but ${targets.filter((p) => !isNew.includes(p)).join(', ')} not new`);
    else if (isNew.some((p) => !isOld.includes(p)) && isOld.some((p) => !isNew.includes(p))) out.push(`I1: tx${k} half applied`);
  });
  const lastOnly: Workload = { files: w.files, txs: [] };
  out.push(...checkInvariants(after, after, lastOnly, { outcomes: [] }).filter((v) => v.invariant === 'I3' || v.invariant === 'I4').map((v) => `${v.invariant}: ${v.message}`));
  return out;
};

let interleaved = false;

const explore = async (w: Workload, seed: number): Promise<{ states: number; problems: string[] }> => {
  const world = createCrashWorld({ files: w.files, recordCrashPoints: true });
  const store = await openOn(world, 0);
  const resolvedAt = new Map<number, number>();
  await Promise.all(
    w.txs.map(async (ops, k) => {
      const tx = store.begin();
      addOps(tx, ops, k);
      await tx.commit();
      resolvedAt.set(k, world.calls);
      world.mark(`resolved tx${k} ${tx.id}`);
    }),
  );
  // Interleaved: between two calls on one transaction's temp files, a call on another's.
  const temps = world.trace.filter((r) => r.path.endsWith('.txfs-tmp')).map((r) => /\.([^./]+)\.\d+\.txfs-tmp$/.exec(r.path)?.[1]);
  interleaved ||= temps.some((t, i) => i > 1 && t !== temps[i - 1] && temps.slice(0, i - 1).includes(t));
  const seen = new Set<string>();
  // The protocol's ordering rules hold with commits interleaved too (a flush or a directory fsync may be another's).
  const problems: string[] = checkOrdering(world.trace).map((o) => `ordering: ${o}`);
  let states = 0;
  const choices: Array<{ model: CrashModel; seed: number }> = [{ model: 'lose-unsynced', seed: 0 }, { model: 'reorder', seed }, { model: 'reorder', seed: seed + 1 }, { model: 'torn', seed }];
  for (let n = 0; n <= world.calls; n++) {
    const acked = new Set([...resolvedAt].filter(([, at]) => at <= n).map(([k]) => k));
    for (const c of choices) {
      const after = world.afterCrashAt(n, c);
      const d = after.digest();
      if (seen.has(d)) continue;
      seen.add(d);
      states += 1;
      await openOn(after, 1);
      problems.push(...check(w, after, acked).map((p) => `crash after call ${n} (${c.model} ${c.seed}): ${p}`));
    }
  }
  return { states, problems };
};

describe('concurrent transactions under crashes', () => {
  it('each of several concurrent transactions is whole or absent after any crash, and whole once resolved', async () => {
    const seed = Number(process.env.FC_SEED ?? 1);
    let states = 0;
    let shrinking = false;
    let shrinkRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        arbitraries
          .workload({ minTxs: 2, maxTxs: 4, maxOps: 3, policies: false })
          .map(disjoint)
          .filter((w) => w.txs.length >= 2),
        async (w) => {
          if (shrinking && ++shrinkRuns > 60) return;
          const r = await explore(w, seed);
          states += r.states;
          countStates(r.states, r.problems.length);
          if (r.problems.length > 0) {
            shrinking = true;
            throw new Error(`${describeWorkload(w)}\n(transactions run concurrently)\n${r.problems.slice(0, 5).join('\n')}`);
          }
        },
      ),
      { seed, numRuns: 50 },
    );
    expect(states).toBeGreaterThan(1000);
    expect(interleaved).toBe(true);
  }, 600_000);
});
