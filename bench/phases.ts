/**
 * Where one sequential store write's main-thread time goes, phase by phase: each step of the commit protocol, each
 * journal call, and the after-commit housekeeping (backup retention), timed by the event loop's busy time
 * (performance.eventLoopUtilization) and by wall time. Writes follow one another and the housekeeping runs inline, so
 * no two phases overlap and every delta is the phase's own; what no phase claims is the call's own work (planning,
 * locks, results).
 * Prints µs per write and phase, and the journal values read inside transaction callbacks; writes bench/results/phases.json.
 * Run: npm run bench (all benches) or npx tsx bench/phases.ts (BENCH_CALLS)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStoreWith, storeContextOf } from '../src/store/openStore.js';
import type { JournalTxn } from '../src/journal/journal.js';
import type { CommitSteps } from '../src/transaction/steps.js';
import type { Durability } from '../src/types.js';
import { writeResults } from './lib/results.js';
import { nowMs } from './lib/stats.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const data = Buffer.alloc(4096, 'x');

interface Tally {
  busyUs: number;
  wallUs: number;
  calls: number;
}
type Tallies = Map<string, Tally>;

/** `f` timed into `tallies` under `name`, unless a timed phase is already running (then it is that phase's). */
const timed = <A extends unknown[], R>(tallies: Tallies, depth: { n: number }, name: string, f: (...a: A) => Promise<R>) => {
  return async (...a: A): Promise<R> => {
    if (depth.n > 0) return f(...a);
    depth.n++;
    const elu0 = performance.eventLoopUtilization();
    const t0 = nowMs();
    try {
      return await f(...a);
    } finally {
      depth.n--;
      const t = tallies.get(name) ?? { busyUs: 0, wallUs: 0, calls: 0 };
      t.busyUs += performance.eventLoopUtilization(elu0).active * 1000;
      t.wallUs += (nowMs() - t0) * 1000;
      t.calls++;
      tallies.set(name, t);
    }
  };
};

const stepNames = ['intend', 'stage', 'protect', 'check', 'writeCommitPoint', 'flushCommitPoint', 'apply', 'makeDurable', 'finish', 'rollBack'] as const;

/** `CALLS` sequential writes of one file under `durability`: per write, busy and wall µs of each phase. */
const measure = async (durability: Durability): Promise<{ total: Tally; phases: Tallies; inner: Tallies; valuesRead: number }> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-phases-'));
  fs.writeFileSync(path.join(dir, 'f.dat'), data);
  const phases: Tallies = new Map();
  const inner: Tallies = new Map();
  const outer = { n: 0 };
  const journalDepth = { n: 0 };
  const valuesRead = { n: 0 };
  const steps = (correct: CommitSteps): CommitSteps =>
    Object.fromEntries(stepNames.map((n) => [n, timed(phases, outer, `step ${n}`, correct[n] as (...a: unknown[]) => Promise<unknown>)])) as unknown as CommitSteps;
  // Step 9 awaited in the call (it rides on the next commit by default, overlapping the next write).
  const store = await openStoreWith({ root: dir, durability }, { steps, tuning: { rideFinish: false } });
  const ctx = storeContextOf(store);
  const j = ctx.env.journal;
  // The callback of each journal transaction, timed on its own: the work done inside LMDB's write transaction. The
  // values it reads are counted (each one parsed, and checked when decoded): what a range's key filter spares shows here.
  const inCallback = <T>(fn: (txn: JournalTxn) => T) => (txn: JournalTxn): T => {
    const t0 = nowMs();
    const counted: JournalTxn = {
      get: (key) => {
        const value = txn.get(key);
        if (value !== undefined) valuesRead.n++;
        return value;
      },
      put: (key, value) => txn.put(key, value),
      remove: (key) => txn.remove(key),
      range: (prefix, where) => {
        const entries = txn.range(prefix, where);
        valuesRead.n += entries.length;
        return entries;
      },
    };
    try {
      return fn(counted);
    } finally {
      const t = inner.get('(inside transact callbacks)') ?? { busyUs: 0, wallUs: 0, calls: 0 };
      const us = (nowMs() - t0) * 1000;
      t.busyUs += us;
      t.wallUs += us;
      t.calls++;
      inner.set('(inside transact callbacks)', t);
    }
  };
  const journal = { ...j, transact: <T>(fn: (txn: JournalTxn) => T): Promise<T> => timed(inner, journalDepth, 'journal transact', (f: (txn: JournalTxn) => T) => j.transact(f))(inCallback(fn)), get: timed(inner, journalDepth, 'journal get', j.get.bind(j)), range: timed(inner, journalDepth, 'journal range', j.range.bind(j)), flush: timed(inner, journalDepth, 'journal flush', j.flush.bind(j)) };
  const hook = ctx.afterCommit;
  const mutable = ctx as { -readonly [K in keyof typeof ctx]: (typeof ctx)[K] };
  mutable.env = { ...ctx.env, journal };
  // Inline, so that one write's housekeeping does not overlap the next write.
  mutable.background = undefined;
  if (hook !== undefined) mutable.afterCommit = timed(phases, outer, 'after-commit retention', hook);
  try {
    for (let i = 0; i < 10; i++) await store.writeFile('f.dat', data); // warm: backups exist, retention has work
    phases.clear();
    inner.clear();
    valuesRead.n = 0;
    const elu0 = performance.eventLoopUtilization();
    const t0 = nowMs();
    for (let i = 0; i < CALLS; i++) await store.writeFile('f.dat', data);
    const total = { busyUs: performance.eventLoopUtilization(elu0).active * 1000, wallUs: (nowMs() - t0) * 1000, calls: CALLS };
    return { total, phases, inner, valuesRead: valuesRead.n };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const out: Record<string, unknown> = {};
for (const durability of ['none', 'full'] as const) {
  const { total, phases, inner, valuesRead } = await measure(durability);
  console.log(`\nsequential store.writeFile, durability ${durability}: ${fmt(total.wallUs / CALLS)} µs wall, ${fmt(total.busyUs / CALLS)} µs busy per write (${CALLS} writes)`);
  console.log('phase | calls per write | busy µs | wall µs');
  let busy = 0;
  let wall = 0;
  const rows = [...phases].sort((a, b) => b[1].busyUs - a[1].busyUs);
  for (const [name, t] of rows) {
    busy += t.busyUs;
    wall += t.wallUs;
    console.log(`${name} | ${(t.calls / CALLS).toFixed(2)} | ${fmt(t.busyUs / CALLS)} | ${fmt(t.wallUs / CALLS)}`);
  }
  console.log(`(the call's own work, outside every phase) | | ${fmt((total.busyUs - busy) / CALLS)} | ${fmt((total.wallUs - wall) / CALLS)}`);
  console.log('of which journal calls (inside the phases above) | calls per write | busy µs | wall µs');
  for (const [name, t] of inner) console.log(`${name} | ${(t.calls / CALLS).toFixed(2)} | ${fmt(t.busyUs / CALLS)} | ${fmt(t.wallUs / CALLS)}`);
  console.log(`journal values read inside transact callbacks: ${(valuesRead / CALLS).toFixed(2)} per write`);
  out[durability] = { perWrite: { busyUs: total.busyUs / CALLS, wallUs: total.wallUs / CALLS, journalValuesReadInCallbacks: valuesRead / CALLS }, phases: Object.fromEntries(rows.map(([n, t]) => [n, { perWrite: t.calls / CALLS, busyUs: t.busyUs / CALLS, wallUs: t.wallUs / CALLS }])) };
}
writeResults('phases', out);
