/**
 * Durable 4 KiB atomic writes: txfs's writeFileAtomic against write-file-atomic, atomically and a plain fsynced
 * fs.writeFile, sequentially and 16 at a time, on a real temp directory, contenders alternating within each round.
 * Prints ops/s (median of the rounds) and the ratios; writes bench/results/atomic-write.json.
 * Run: npm run bench (all benches) or npx tsx bench/atomic-write.ts
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFile as atomicallyWrite } from 'atomically';
import writeFileAtomicLib from 'write-file-atomic';
import { createFaultyFileSystem } from '../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../src/fs/node.js';
import { writeFileAtomic, writeFileAtomicWith } from '../src/ops/atomicWrite.js';
import { writeResults } from './lib/results.js';
import { median } from './lib/stats.js';

/** Diagnostic only: txfs without the directory fsync the others do not do, to show what that fsync costs. */
const withoutDirSync = { ...nodeFileSystem, syncDir: async (): Promise<void> => undefined };

type Write = (file: string, data: Buffer) => Promise<unknown>;

const contenders: ReadonlyArray<readonly [name: string, write: Write]> = [
  ['txfs', (f, d) => writeFileAtomic(f, d)],
  ['txfs without dir fsync (diagnostic)', (f, d) => writeFileAtomicWith(withoutDirSync, f, d)],
  ['write-file-atomic', (f, d) => writeFileAtomicLib(f, d)],
  ['atomically', (f, d) => atomicallyWrite(f, d)],
  [
    // The floor of a durable atomic replace done by hand: temp written and fdatasynced, renamed, directory fsynced.
    'plain 2-fsync atomic write',
    async (f, d) => {
      const tmp = `${f}.plain.tmp`;
      const fh = await fsp.open(tmp, 'w');
      try {
        await fh.writeFile(d);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, f);
      const dh = await fsp.open(path.dirname(f), 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    },
  ],
  [
    'fs.writeFile+fsync',
    async (f, d) => {
      const fh = await fsp.open(f, 'w');
      try {
        await fh.writeFile(d);
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
  ],
];

// Many short rounds rather than a few long ones: background load drifts, and each round measures every contender under the same load.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const SEQ_OPS = Number(process.env.BENCH_SEQ_OPS ?? 30);
const PAR_OPS = Number(process.env.BENCH_PAR_OPS ?? 96);
const WIDTH = 16;
const data = Buffer.alloc(4096, 'x');


/** ops/s of `ops` writes, `width` at a time, each worker on its own file (a file per worker, like independent callers). */
const run = async (write: Write, dir: string, ops: number, width: number): Promise<number> => {
  const files = Array.from({ length: width }, (_, i) => path.join(dir, `f${i}.dat`));
  for (const f of files) fs.writeFileSync(f, data);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    files.map(async (f) => {
      while (next < ops) {
        next++;
        await write(f, data);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return ops / seconds;
};

/** The FileSystem calls of one txfs write replacing a file (syncDir is open + fsync + close of the directory underneath). */
const hotPath = async (root: string): Promise<string[]> => {
  const traced = createFaultyFileSystem(nodeFileSystem);
  const file = path.join(root, 'trace.dat');
  fs.writeFileSync(file, data);
  await writeFileAtomicWith(traced, file, data);
  return traced.trace.map((c) => c.kind);
};

/**
 * Sequential ops/s of every contender, interleaved write by write (each on its own file, the starting contender
 * rotating), so that a burst of background I/O hits all of them alike.
 */
const runSequential = async (dir: string, ops: number): Promise<Map<string, number>> => {
  const spent = new Map<string, number>(contenders.map(([name]) => [name, 0]));
  const files = new Map(contenders.map(([name], i) => [name, path.join(dir, `seq${i}.dat`)]));
  for (const f of files.values()) fs.writeFileSync(f, data);
  for (let i = 0; i < ops; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const [name, write] = contenders[(i + k) % contenders.length] ?? contenders[0]!;
      const start = process.hrtime.bigint();
      await write(files.get(name) ?? '', data);
      spent.set(name, (spent.get(name) ?? 0) + Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  return new Map([...spent].map(([name, seconds]) => [name, ops / seconds]));
};

const main = async (): Promise<void> => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-bench-'));
  let calls: string[] = [];
  const results: Record<string, { sequential: number[]; concurrent: number[] }> = {};
  for (const [name] of contenders) results[name] = { sequential: [], concurrent: [] };
  try {
    calls = await hotPath(root);
    for (let round = 0; round < ROUNDS; round++) {
      const seqDir = fs.mkdtempSync(path.join(root, 's-'));
      for (const [name, opsPerSec] of await runSequential(seqDir, SEQ_OPS)) results[name]?.sequential.push(opsPerSec);
      fs.rmSync(seqDir, { recursive: true, force: true });
      // Rotate the order every round so that no contender always runs first (or right after another's fsync storm).
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]).filter((c) => c !== undefined);
      for (const [name, write] of order) {
        const dir = fs.mkdtempSync(path.join(root, 'r-'));
        results[name]?.concurrent.push(await run(write, dir, PAR_OPS, WIDTH));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const med = (name: string, k: 'sequential' | 'concurrent'): number => median(results[name]?.[k] ?? []);
  // The median of the per-round ratios: each ratio pairs two measurements taken moments apart, under the same load.
  const ratio = (k: 'sequential' | 'concurrent', other: string): number => {
    const ours = results.txfs?.[k] ?? [];
    const theirs = results[other]?.[k] ?? [];
    return Number(median(ours.map((x, i) => x / (theirs[i] ?? Number.NaN))).toFixed(3));
  };
  const ratios = {
    vsWriteFileAtomic: ratio('sequential', 'write-file-atomic'),
    vsAtomically: ratio('sequential', 'atomically'),
    /** target ≥ 0.9: the same durable atomic replace done by hand, with nothing else. */
    vsPlain2FsyncAtomicWrite: ratio('sequential', 'plain 2-fsync atomic write'),
    vsPlainFsync: ratio('sequential', 'fs.writeFile+fsync'),
    concurrentVsWriteFileAtomic: ratio('concurrent', 'write-file-atomic'),
    concurrentVsAtomically: ratio('concurrent', 'atomically'),
    concurrentVsPlainFsync: ratio('concurrent', 'fs.writeFile+fsync'),
    /** Below 1: the share of txfs's throughput that the directory fsync costs. */
    diagnosticVsNoDirFsync: ratio('sequential', 'txfs without dir fsync (diagnostic)'),
  };
  console.log(`atomic-write: 4 KiB durable writes, ${ROUNDS} rounds of ${SEQ_OPS} sequential (interleaved write by write) + ${PAR_OPS} at ${WIDTH} concurrent (median ops/s; ratios: median of per-round ratios)`);
  console.table(
    Object.fromEntries(contenders.map(([name]) => [name, { sequential: Math.round(med(name, 'sequential')), [`${WIDTH} concurrent`]: Math.round(med(name, 'concurrent')) }])),
  );
  console.table(ratios);
  console.log(`txfs hot path: ${calls.join(' → ')} (${calls.length} calls, 2 flushes; on the thread pool only the datasync, the directory's fsync and, at most once a second per target, the readdir: the node adapter does the rest at once, the rename over a file of at most 1 MiB included)`);
  writeResults('atomic-write', {
    config: { rounds: ROUNDS, sequentialOps: SEQ_OPS, concurrentOps: PAR_OPS, width: WIDTH, bytes: data.length },
    opsPerSec: Object.fromEntries(contenders.map(([name]) => [name, { sequential: med(name, 'sequential'), concurrent: med(name, 'concurrent') }])),
    samples: results,
    hotPath: { txfs: calls },
    ratios,
  });
};

await main();
