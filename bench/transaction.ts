/**
 * Transactions against their anchors, on a real temp directory, contenders alternating within each round:
 * - a 10-file transaction (4 KiB each, replacing existing files, backups on) vs 10 parallel write-file-atomic calls
 *   (no atomicity across files) vs the floor: 10 parallel fsynced temp files + renames + one directory fsync;
 * - 16 concurrent single-file transactions vs 16 concurrent `atomically` writes;
 * - openStore on a clean journal; recovery of 1,000 interrupted transactions.
 * Prints medians and ratios; writes bench/results/transaction.json.
 * Run: npm run bench (all benches) or npx tsx bench/transaction.ts
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFile as atomicallyWrite } from 'atomically';
import writeFileAtomicLib from 'write-file-atomic';
import { openLmdbJournal, type LmdbJournal } from '../src/journal/lmdb.js';
import { openStore, openStoreWith, storeContextOf } from '../src/store/openStore.js';
import { settleBackground } from '../src/transaction/context.js';
import type { CommitTuning } from '../src/transaction/tuning.js';
import { openKey, putTx, txKey, type TxRecord } from '../src/journal/records/txRecord.js';
import type { Durability, Store } from '../src/types.js';
import { writeResults } from './lib/results.js';
import { median, nowMs } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const TX_PER_ROUND = Number(process.env.BENCH_TX ?? 10);
const WIDTH = 16;
const FILES = 10;
const RECOVER_N = 1000;
const data = Buffer.alloc(4096, 'x');


/** The floor of a durable 10-file replacement: parallel fsynced temps, renames, one directory fsync. */
const floorWrite = async (dir: string, names: readonly string[]): Promise<void> => {
  await Promise.all(
    names.map(async (n, i) => {
      const tmp = path.join(dir, `.${n}.floor${i}.tmp`);
      const fh = await fsp.open(tmp, 'wx');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }),
  );
  for (const [i, n] of names.entries()) await fsp.rename(path.join(dir, `.${n}.floor${i}.tmp`), path.join(dir, n));
  const d = await fsp.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
};

type Contender = (ctx: { dir: string; store: Store; names: readonly string[] }) => Promise<unknown>;
/** A contender, the store tuning and durability it runs with (txfs contenders only). */
type Entry = readonly [string, Contender, CommitTuning?, Durability?];

/** BENCH_AB=1 adds the txfs contenders with each tuning switch off (see CommitTuning), for an A/B in the same run. */
const AB = process.env.BENCH_AB !== undefined;
const variants: ReadonlyArray<readonly [string, CommitTuning]> = AB
  ? [
      [' (overlappingSync)', { overlappingSync: true }],
      [' (stage, then protect)', { stageWithProtect: false }],
      [' (a retention run per commit)', { coalesceRetention: false }],
      [' (a realpath per path)', { realpathPerDirectory: false }],
      [' (finish in a commit of its own)', { rideFinish: false }],
      [' (before: all off)', { overlappingSync: false, stageWithProtect: false, coalesceRetention: false, realpathPerDirectory: false, rideFinish: false }],
    ]
  : [];
const tenFileTx: Contender = ({ store, names }) => store.transaction((tx) => void names.forEach((n) => tx.writeFile(n, data)));
const concurrentTx: Contender = ({ store, names }) => Promise.all(names.map((n) => store.writeFile(n, data)));
const sequentialWrite: Contender = ({ store, names }) => store.writeFile(names[0] ?? 'f0.dat', data);
/** The txfs contender under each durability (the default 'full' first, by its plain name). */
const modes = (name: string, c: Contender): Entry[] => [
  [name, c],
  [`${name} (atomic)`, c, {}, 'atomic'],
  [`${name} (none)`, c, {}, 'none'],
];

/** Contenders compared with each other, the files each call writes, and the store transactions each call makes. */
interface Group {
  readonly entries: readonly Entry[];
  readonly files: number;
  readonly txPerCall: number;
  readonly callsPerRound: number;
}
const tenFile: Group = {
  files: FILES, txPerCall: 1, callsPerRound: TX_PER_ROUND,
  entries: [
    ...modes('txfs 10-file transaction', tenFileTx),
    ['10 parallel write-file-atomic', ({ dir, names }) => Promise.all(names.map((n) => writeFileAtomicLib(path.join(dir, n), data)))],
    ['floor', ({ dir, names }) => floorWrite(dir, names)],
    ...variants.map(([suffix, tuning]): Entry => [`txfs 10-file transaction${suffix}`, tenFileTx, tuning]),
  ],
};
const concurrent: Group = {
  files: WIDTH, txPerCall: WIDTH, callsPerRound: TX_PER_ROUND,
  entries: [
    ...modes('txfs 16 concurrent 1-file transactions', concurrentTx),
    ['16 concurrent atomically', ({ dir, names }) => Promise.all(names.map((n) => atomicallyWrite(path.join(dir, n), data)))],
    ['16 concurrent write-file-atomic', ({ dir, names }) => Promise.all(names.map((n) => writeFileAtomicLib(path.join(dir, n), data)))],
    ...variants.map(([suffix, tuning]): Entry => [`txfs 16 concurrent 1-file transactions${suffix}`, concurrentTx, tuning]),
  ],
};
const sequential: Group = {
  files: 1, txPerCall: 1, callsPerRound: TX_PER_ROUND * 2,
  entries: [
    ...modes('txfs sequential store.writeFile', sequentialWrite),
    ['sequential atomically', ({ dir, names }) => atomicallyWrite(path.join(dir, names[0] ?? 'f0.dat'), data)],
    ['sequential write-file-atomic', ({ dir, names }) => writeFileAtomicLib(path.join(dir, names[0] ?? 'f0.dat'), data)],
    ...variants.map(([suffix, tuning]): Entry => [`txfs sequential store.writeFile${suffix}`, sequentialWrite, tuning]),
  ],
};
/** A different file each call (20 in turn): what durability 'atomic' is for — the next call need not wait for the last one's finish. */
let turn = 0;
const rotatingWrite: Contender = ({ store, names }) => store.writeFile(names[turn++ % names.length] ?? 'f0.dat', data);
const rotating: Group = {
  files: 20, txPerCall: 1, callsPerRound: TX_PER_ROUND * 2,
  entries: [
    ...modes('txfs sequential store.writeFile, another file each time', rotatingWrite),
    ['sequential atomically, another file each time', ({ dir, names }) => atomicallyWrite(path.join(dir, names[turn++ % names.length] ?? 'f0.dat'), data)],
    ...variants.map(([suffix, tuning]): Entry => [`txfs sequential store.writeFile, another file each time${suffix}`, rotatingWrite, tuning]),
  ],
};
const hundred: Group = {
  files: 100, txPerCall: 100, callsPerRound: 2,
  entries: [...modes('txfs 100 concurrent 1-file transactions', concurrentTx), ['100 concurrent atomically', ({ dir, names }) => Promise.all(names.map((n) => atomicallyWrite(path.join(dir, n), data)))]],
};
const groups = [tenFile, concurrent, sequential, rotating, hundred];

/** What one measurement gave: ms per call, and (txfs) LMDB's fsynced commits per store transaction. */
interface Measured {
  readonly ms: number;
  readonly journalFsyncsPerTx: number | undefined;
}

/** One contender, `callsPerRound` times in a fresh directory holding the group's files already. */
const measure = async (root: string, c: Contender, g: Group, tuning: CommitTuning = {}, durability: Durability = 'full'): Promise<Measured> => {
  const dir = fs.mkdtempSync(path.join(root, 'r-'));
  const names = Array.from({ length: g.files }, (_, i) => `f${i}.dat`);
  for (const n of names) fs.writeFileSync(path.join(dir, n), data);
  const store = await openStoreWith({ root: dir, durability, ...(process.env.BENCH_NO_GZIP === undefined ? {} : { backups: { compressAfter: 1_000_000 } }) }, { tuning });
  try {
    await c({ dir, store, names });
    const ctx = storeContextOf(store);
    const journal = (ctx.riding?.inner ?? ctx.env.journal) as LmdbJournal;
    const txn0 = journal.lastTxnId();
    const t0 = nowMs();
    for (let i = 0; i < g.callsPerRound; i++) await c({ dir, store, names });
    const ms = (nowMs() - t0) / g.callsPerRound;
    await settleBackground(ctx);
    // Journal fsyncs: every LMDB commit is one under 'full' and 'atomic' (none under 'none': LMDB opened noSync).
    return { ms, journalFsyncsPerTx: durability === 'none' ? 0 : (journal.lastTxnId() - txn0) / (g.callsPerRound * g.txPerCall) };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** Milliseconds to open (and close) a store whose journal holds 200 committed transactions and nothing open. */
const openClean = async (root: string): Promise<number[]> => {
  const dir = fs.mkdtempSync(path.join(root, 'open-'));
  const s = await openStore({ root: dir });
  for (let i = 0; i < 200; i++) await s.writeFile(`f${i % 20}.dat`, data);
  await s.close();
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = nowMs();
    const st = await openStore({ root: dir });
    times.push(nowMs() - t0);
    await st.close();
  }
  return times;
};

/** Plants `RECOVER_N` interrupted transactions (half staging, half committing, each with its temp file) and times recovery. */
const recoverMany = async (root: string): Promise<{ ms: number; report: Store['recovery'] }> => {
  const dir = fs.mkdtempSync(path.join(root, 'recover-'));
  fs.mkdirSync(path.join(dir, '.txfs', 'backups'), { recursive: true });
  const journal = await openLmdbJournal(path.join(dir, '.txfs', 'journal'));
  const sha = createHash('sha256').update(data).digest('hex');
  const recs: TxRecord[] = [];
  for (let i = 0; i < RECOVER_N; i++) {
    const id = `0bench${String(i).padStart(6, '0')}`;
    const temp = `.f${i}.dat.${id}.0.txfs-tmp`;
    fs.writeFileSync(path.join(dir, temp), data);
    recs.push({
      v: 1, id, state: i % 2 === 0 ? 'staging' : 'committing', startedAt: Date.now(), pid: 999_999,
      ops: [{ kind: 'write', target: `f${i}.dat`, existed: false, keepBackup: true, temp, backup: `f${i}-x-${id}.dat.bak`, ...(i % 2 === 1 ? { staged: { sha256: sha, size: data.length } } : {}) }],
    });
  }
  await journal.transact((txn) => {
    for (const r of recs) putTx(txn, r);
  });
  await journal.close();
  const t0 = nowMs();
  const store = await openStore({ root: dir });
  const ms = nowMs() - t0;
  const report = store.recovery;
  await store.close();
  if (report.rolledBack.length + report.rolledForward.length !== RECOVER_N) throw new Error(`recovered ${report.rolledBack.length + report.rolledForward.length} of ${RECOVER_N}`);
  void txKey;
  void openKey;
  fs.rmSync(dir, { recursive: true, force: true });
  return { ms, report };
};

const main = async (): Promise<void> => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-bench-tx-'));
  const ms: Record<string, number[]> = {};
  const fsyncs: Record<string, number[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const g of groups) {
        const order = g.entries.map((_, i) => g.entries[(i + round) % g.entries.length]).filter((c) => c !== undefined);
        for (const [name, c, tuning, durability] of order) {
          const m = await measure(root, c, g, tuning, durability);
          (ms[name] ??= []).push(m.ms);
          if (name.startsWith('txfs') && m.journalFsyncsPerTx !== undefined) (fsyncs[name] ??= []).push(m.journalFsyncsPerTx);
        }
      }
    }
    const open = await openClean(root);
    const rec = await recoverMany(root);
    const per = (a: string, b: string): number => Number(median((ms[a] ?? []).map((x, i) => x / ((ms[b] ?? [])[i] ?? Number.NaN))).toFixed(3));
    /** Throughput ratios (> 1: txfs is faster): the anchor's time over txfs's, median of per-round ratios. */
    const speed = (a: string, b: string): number => Number((1 / per(a, b)).toFixed(3));
    const ratios = Object.fromEntries(
      ['', ' (atomic)', ' (none)'].flatMap((m) => [
        [`10-file transaction${m} vs 10 parallel write-file-atomic (target ≥ 1.0)`, speed(`txfs 10-file transaction${m}`, '10 parallel write-file-atomic')],
        [`10-file transaction${m} vs the floor (target ≥ 0.67)`, speed(`txfs 10-file transaction${m}`, 'floor')],
        [`16 concurrent transactions${m} vs 16 concurrent atomically (target ≥ 1.0)`, speed(`txfs 16 concurrent 1-file transactions${m}`, '16 concurrent atomically')],
        [`16 concurrent transactions${m} vs 16 concurrent write-file-atomic (target ≥ 1.0)`, speed(`txfs 16 concurrent 1-file transactions${m}`, '16 concurrent write-file-atomic')],
        [`sequential store.writeFile${m} vs atomically`, speed(`txfs sequential store.writeFile${m}`, 'sequential atomically')],
        [`sequential store.writeFile${m}, another file each time, vs atomically`, speed(`txfs sequential store.writeFile, another file each time${m}`, 'sequential atomically, another file each time')],
        [`100 concurrent transactions${m} vs 100 concurrent atomically`, speed(`txfs 100 concurrent 1-file transactions${m}`, '100 concurrent atomically')],
      ]),
    );
    const fsyncsPerTx = Object.fromEntries(Object.entries(fsyncs).map(([k, v]) => [k, Number(median(v).toFixed(3))]));
    const ab = Object.fromEntries(
      variants.flatMap(([suffix]) => [
        [`tenFile${suffix} vs floor`, per(`txfs 10-file transaction${suffix}`, 'floor')],
        [`concurrent${suffix} vs atomically`, per(`txfs 16 concurrent 1-file transactions${suffix}`, '16 concurrent atomically')],
      ]),
    );
    const medians = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Number(median(v).toFixed(2))]));
    console.log(`transaction: ${ROUNDS} rounds (median ms per operation; ratios: throughput, median of per-round ratios, > 1: txfs faster)`);
    console.table(Object.fromEntries(Object.entries(medians).map(([k, v]) => [k, { 'ms/op': v, 'journal fsyncs per transaction': fsyncsPerTx[k] ?? '' }])));
    console.table(ratios);
    if (AB) console.table(ab);
    console.log(`openStore on a clean journal: median ${median(open).toFixed(2)} ms (target < 10 ms)`);
    console.log(`recovery of ${RECOVER_N} interrupted transactions: ${rec.ms.toFixed(0)} ms wall, report.durationMs ${rec.report.durationMs.toFixed(0)} (target < 2000 ms)`);
    writeResults('transaction', {
      config: { rounds: ROUNDS, operationsPerRound: TX_PER_ROUND, files: FILES, width: WIDTH, bytes: data.length, recover: RECOVER_N },
      msPerOperation: medians,
      journalFsyncsPerTransaction: fsyncsPerTx,
      ratios,
      ...(AB ? { abRatios: ab } : {}),
      openStoreCleanMs: median(open),
      recovery: { transactions: RECOVER_N, wallMs: rec.ms, durationMs: rec.report.durationMs, rolledBack: rec.report.rolledBack.length, rolledForward: rec.report.rolledForward.length, tempFilesRemoved: rec.report.tempFilesRemoved },
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
};

await main();
