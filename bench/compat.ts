/**
 * The drop-in entries against the originals they replace: txfs/compat/write-file-atomic against write-file-atomic 7
 * and txfs/compat/atomically against atomically 2, durable 4 KiB writes (fsync on, each replacing its file), async
 * sequentially and 16 at a time, and the sync forms sequentially; on a real temp directory, each pair alternating write
 * by write within a round (the one starting rotating), several rounds. Prints ops/s (median of the rounds) and the
 * ratios (median of the per-round ratios; above 1: txfs is faster); writes bench/results/compat.json.
 * The compat entries run on the same engine as writeFileAtomic, so the targets of bench/atomic-write.ts apply.
 * Run: npm run bench (all benches) or npx tsx bench/compat.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as atomicallyLib from 'atomically';
import writeFileAtomicLib from 'write-file-atomic';
import * as atomicallyTxfs from '../src/compat/atomically.js';
import writeFileAtomicTxfs from '../src/compat/writeFileAtomic.js';
import { nodeSyncFileSystem } from '../src/fs/node.js';
import { writeFileAtomicSyncWith } from '../src/ops/atomicWriteSync.js';
import { writeResults } from './lib/results.js';
import { median } from './lib/stats.js';

const noDirSync = { ...nodeSyncFileSystem, syncDir: (): void => undefined };

type Write = (file: string, data: Buffer) => unknown;
/** A pair: txfs's drop-in and the original, under one name. */
interface Pair {
  readonly name: string;
  readonly txfs: Write;
  readonly original: Write;
  /** Run 16 at a time too (the async forms). */
  readonly concurrent: boolean;
}

const pairs: readonly Pair[] = [
  { name: 'write-file-atomic', txfs: (f, d) => writeFileAtomicTxfs(f, d), original: (f, d) => writeFileAtomicLib(f, d), concurrent: true },
  { name: 'atomically', txfs: (f, d) => atomicallyTxfs.writeFile(f, d), original: (f, d) => atomicallyLib.writeFile(f, d), concurrent: true },
  { name: 'write-file-atomic.sync', txfs: (f, d) => writeFileAtomicTxfs.sync(f, d), original: (f, d) => writeFileAtomicLib.sync(f, d), concurrent: false },
  { name: 'atomically writeFileSync', txfs: (f, d) => atomicallyTxfs.writeFileSync(f, d), original: (f, d) => atomicallyLib.writeFileSync(f, d), concurrent: false },
  // Diagnostic only: the sync form without the directory fsync the originals do not make, to show what that fsync costs.
  { name: 'diagnostic: .sync, txfs without dir fsync', txfs: (f, d) => writeFileAtomicSyncWith(noDirSync, f, d), original: (f, d) => writeFileAtomicLib.sync(f, d), concurrent: false },
];

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const SEQ_OPS = Number(process.env.BENCH_SEQ_OPS ?? 30);
const PAR_OPS = Number(process.env.BENCH_PAR_OPS ?? 96);
const WIDTH = 16;
const data = Buffer.alloc(4096, 'x');


const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

/** Sequential ops/s of both sides of `pair`, write by write, each on its own file, the starting side alternating. */
const sequential = async (pair: Pair, dir: string): Promise<{ txfs: number; original: number }> => {
  const sides = [
    ['txfs', pair.txfs, path.join(dir, 'seq-txfs.dat')],
    ['original', pair.original, path.join(dir, 'seq-original.dat')],
  ] as const;
  const spent = { txfs: 0, original: 0 };
  for (const [, , file] of sides) fs.writeFileSync(file, data);
  for (let i = 0; i < SEQ_OPS; i++) {
    for (let k = 0; k < 2; k++) {
      const [side, write, file] = sides[(i + k) % 2] ?? sides[0];
      const start = process.hrtime.bigint();
      await write(file, data);
      spent[side] += seconds(start);
    }
  }
  return { txfs: SEQ_OPS / spent.txfs, original: SEQ_OPS / spent.original };
};

/** ops/s of `PAR_OPS` writes, `WIDTH` at a time, a file per worker. */
const concurrent = async (write: Write, dir: string): Promise<number> => {
  const files = Array.from({ length: WIDTH }, (_, i) => path.join(dir, `f${i}.dat`));
  for (const f of files) fs.writeFileSync(f, data);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    files.map(async (f) => {
      while (next < PAR_OPS) {
        next++;
        await write(f, data);
      }
    }),
  );
  return PAR_OPS / seconds(start);
};

const main = async (): Promise<void> => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-bench-compat-'));
  type Samples = { sequential: number[]; concurrent: number[] };
  const results = Object.fromEntries(pairs.flatMap((p) => [[`txfs ${p.name}`, { sequential: [], concurrent: [] }], [p.name, { sequential: [], concurrent: [] }]])) as Record<string, Samples>;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of pairs) {
        const dir = fs.mkdtempSync(path.join(root, 'r-'));
        const seq = await sequential(pair, dir);
        results[`txfs ${pair.name}`]?.sequential.push(seq.txfs);
        results[pair.name]?.sequential.push(seq.original);
        if (pair.concurrent) {
          // The side that goes first alternates by round: neither always runs right after the other's fsync storm.
          const order = round % 2 === 0 ? (['txfs', 'original'] as const) : (['original', 'txfs'] as const);
          for (const side of order) {
            const sub = fs.mkdtempSync(path.join(dir, `${side}-`));
            results[side === 'txfs' ? `txfs ${pair.name}` : pair.name]?.concurrent.push(await concurrent(pair[side], sub));
          }
        }
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const ratio = (pair: Pair, k: keyof Samples): number | null => {
    const ours = results[`txfs ${pair.name}`]?.[k] ?? [];
    const theirs = results[pair.name]?.[k] ?? [];
    return ours.length === 0 ? null : Number(median(ours.map((x, i) => x / (theirs[i] ?? Number.NaN))).toFixed(3));
  };
  const ratios = Object.fromEntries(pairs.map((p) => [p.name, { sequential: ratio(p, 'sequential'), [`${WIDTH} concurrent`]: ratio(p, 'concurrent') }]));
  const opsPerSec = Object.fromEntries(
    Object.entries(results).map(([name, s]) => [name, { sequential: Math.round(median(s.sequential)), [`${WIDTH} concurrent`]: s.concurrent.length === 0 ? null : Math.round(median(s.concurrent)) }]),
  );
  console.log(`compat: 4 KiB durable writes, ${ROUNDS} rounds of ${SEQ_OPS} sequential (interleaved write by write) + ${PAR_OPS} at ${WIDTH} concurrent (async forms); median ops/s`);
  console.table(opsPerSec);
  console.log('txfs drop-in / original (median of per-round ratios; above 1: txfs faster; txfs also fsyncs the directory):');
  console.table(ratios);
  writeResults('compat', {
    config: { rounds: ROUNDS, sequentialOps: SEQ_OPS, concurrentOps: PAR_OPS, width: WIDTH, bytes: data.length },
    opsPerSec,
    samples: results,
    ratios,
  });
};

await main();
