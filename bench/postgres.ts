/**
 * The journal on PostgreSQL next to LMDB, on a real temp directory, contenders alternating within each round:
 * - a 10-file transaction (4 KiB each, replacing existing files, backups on);
 * - 16 concurrent single-file transactions (one store: the journal's group commit);
 * - 16 concurrent single-file transactions spread over three stores with their own journals on one root (hosts).
 * PostgreSQL is a throwaway server (initdb in a temp directory, unix socket, fsync and synchronous_commit on: the
 * harness the tests use, test/support/postgresServer.ts), so its figures include a local round trip per statement,
 * not a network's. Prints medians and ratios; writes bench/results/postgres.json. Skipped, saying so, without the
 * PostgreSQL binaries. Run: npm run bench (all benches) or npx tsx bench/postgres.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { postgresJournal, type PostgresJournal } from '../src/postgres/index.js';
import { openStore } from '../src/store/openStore.js';
import type { Store } from '../src/types.js';
import { findPostgres, removePostgres, startPostgres, sweepOrphans } from '../test/support/postgresServer.js';
import { writeResults } from './lib/results.js';
import { median, nowMs } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const CALLS = Number(process.env.BENCH_TX ?? 8);
const WIDTH = 16;
const FILES = 10;
const HOSTS = 3;
const data = Buffer.alloc(4096, 'x');


type Backend = 'LMDB' | 'PostgreSQL';
interface Workload {
  readonly name: string;
  readonly files: number;
  readonly stores: number;
  readonly run: (stores: readonly Store[], names: readonly string[]) => Promise<unknown>;
}
const workloads: readonly Workload[] = [
  { name: '10-file transaction', files: FILES, stores: 1, run: ([s], names) => (s as Store).transaction((tx) => void names.forEach((n) => tx.writeFile(n, data))) },
  { name: '16 concurrent 1-file transactions', files: WIDTH, stores: 1, run: ([s], names) => Promise.all(names.map((n) => (s as Store).writeFile(n, data))) },
  {
    name: `16 concurrent 1-file transactions on ${HOSTS} stores`,
    files: WIDTH,
    stores: HOSTS,
    run: (stores, names) => Promise.all(names.map((n, i) => (stores[i % stores.length] as Store).writeFile(n, data))),
  },
];

let schemas = 0;

/** One contender: `CALLS` calls in a fresh directory holding the workload's files already; ms per call. */
const measure = async (root: string, url: string, backend: Backend, w: Workload): Promise<{ ms: number; commits?: number }> => {
  const dir = fs.mkdtempSync(path.join(root, 'r-'));
  const names = Array.from({ length: w.files }, (_, i) => `f${i}.dat`);
  for (const n of names) fs.writeFileSync(path.join(dir, n), data);
  const schema = `bench_${schemas++}`;
  const journals: PostgresJournal[] = [];
  const stores: Store[] = [];
  try {
    for (let h = 0; h < w.stores; h++) {
      if (backend === 'LMDB') stores.push(await openStore({ root: dir }));
      else {
        const journal = await postgresJournal({ connectionString: url, schema, hostId: `bench-host-${h}` });
        journals.push(journal);
        stores.push(await openStore({ root: dir, journal }));
      }
    }
    await w.run(stores, names);
    const before = journals.reduce((n, j) => n + j.stats.commits, 0);
    const t0 = nowMs();
    for (let i = 0; i < CALLS; i++) await w.run(stores, names);
    const ms = (nowMs() - t0) / CALLS;
    const commits = journals.reduce((n, j) => n + j.stats.commits, 0) - before;
    return backend === 'LMDB' ? { ms } : { ms, commits: commits / CALLS };
  } finally {
    for (const s of stores) await s.close();
    for (const j of journals) await j.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  const found = findPostgres();
  if ('missing' in found) {
    console.log(`*** bench/postgres SKIPPED: ${found.missing} ***`);
    return;
  }
  await sweepOrphans();
  const server = await startPostgres();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-bench-pg-'));
  const ms: Record<string, number[]> = {};
  const commits: Record<string, number[]> = {};
  try {
    const entries = workloads.flatMap((w) => (['LMDB', 'PostgreSQL'] as const).map((b) => ({ w, b, key: `${b}: ${w.name}` })));
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating: each round starts one contender further on.
      for (let i = 0; i < entries.length; i++) {
        const e = entries[(i + round) % entries.length];
        if (e === undefined) continue;
        const m = await measure(root, server.url, e.b, e.w);
        (ms[e.key] ??= []).push(m.ms);
        if (m.commits !== undefined) (commits[e.key] ??= []).push(m.commits);
      }
    }
    const medians = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Number(median(v).toFixed(2))]));
    /** PostgreSQL's time over LMDB's, median of per-round ratios (> 1: PostgreSQL slower). */
    const ratios = Object.fromEntries(
      workloads.map((w) => {
        const a = ms[`PostgreSQL: ${w.name}`] ?? [];
        const b = ms[`LMDB: ${w.name}`] ?? [];
        return [`${w.name}: PostgreSQL / LMDB (time)`, Number(median(a.map((x, i) => x / (b[i] ?? Number.NaN))).toFixed(2))];
      }),
    );
    const commitsPerCall = Object.fromEntries(Object.entries(commits).map(([k, v]) => [k, Number(median(v).toFixed(2))]));
    console.log(`postgres: ${ROUNDS} rounds of ${CALLS} calls (median ms per call; PostgreSQL ${os.platform()} local server, fsync and synchronous_commit on)`);
    console.table(Object.fromEntries(Object.entries(medians).map(([k, v]) => [k, { 'ms/call': v, 'PostgreSQL commits per call': commitsPerCall[k] ?? '' }])));
    console.table(ratios);
    writeResults('postgres', {
      loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
      postgres: path.basename(path.dirname(found.binDir)),
      config: { rounds: ROUNDS, callsPerRound: CALLS, files: FILES, width: WIDTH, hosts: HOSTS, bytes: data.length },
      msPerCall: medians,
      postgresCommitsPerCall: commitsPerCall,
      ratios,
    });
  } finally {
    await removePostgres(server);
    fs.rmSync(root, { recursive: true, force: true });
  }
};

await main();
