/**
 * Where a store write's time goes: the event loop's busy time per write (performance.eventLoopUtilization) beside the
 * wall time, for store writes and for `atomically`, contenders alternating within each round; and what one thread-pool
 * round trip costs on this machine, back to back and after the pool's threads went idle for a millisecond.
 * A write whose busy time is close to its wall time is bound by the main thread's work, not by the disk: then fewer
 * fsyncs buy nothing, and only less work per write does. On Linux, also the CPU time per file of the main thread (and
 * how much of it the kernel's) and of the whole process; and what creating a file costs on the event loop on this
 * filesystem, before the contenders run and after (each of their writes creates a temp and frees an old version's
 * inode, as any steady stream of writes does; on some filesystems a create then costs more, ext4 without a journal
 * passing over recently freed inodes; run this bench alone on a quiet machine for a "before" figure of its own); and
 * what each directory-changing call of a store write costs here, against the two of atomically's.
 * Prints medians and ratios; writes bench/results/event-loop.json.
 * Run: npm run bench (all benches) or npx tsx bench/eventLoop.ts (BENCH_ROUNDS, BENCH_CALLS)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFile as atomicallyWrite } from 'atomically';
import { openStore } from '../src/store/openStore.js';
import type { Durability, Store } from '../src/types.js';
import { writeResults } from './lib/results.js';
import { median, nowMs } from './lib/stats.js';
import { cpuSample, cpuSince, type CpuSample } from './lib/threadCpu.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CALLS = Number(process.env.BENCH_CALLS ?? 30);
const WIDTH = 16;
const data = Buffer.alloc(4096, 'x');

interface Ctx {
  readonly dir: string;
  readonly store: Store;
  readonly names: readonly string[];
}
/** A contender: its name, how many files one call writes, the call, and the store it needs (txfs only). */
interface Contender {
  readonly name: string;
  readonly width: number;
  readonly call: (c: Ctx) => Promise<unknown>;
  readonly durability?: Durability;
}
const concurrentStore = (name: string, durability: Durability, backup = true): Contender => ({
  name,
  width: WIDTH,
  durability,
  call: ({ store, names }) => Promise.all(names.map((n) => store.writeFile(n, data, backup ? {} : { backup: false }))),
});
const contenders: readonly Contender[] = [
  concurrentStore('txfs 16 concurrent store writes', 'full'),
  concurrentStore('txfs 16 concurrent store writes (none)', 'none'),
  concurrentStore('txfs 16 concurrent store writes (none, backup: false)', 'none', false),
  { name: '16 concurrent atomically', width: WIDTH, call: ({ dir, names }) => Promise.all(names.map((n) => atomicallyWrite(path.join(dir, n), data))) },
  { name: 'txfs sequential store.writeFile (none)', width: 1, durability: 'none', call: ({ store, names }) => store.writeFile(names[0] ?? 'f0.dat', data) },
  { name: 'sequential atomically', width: 1, call: ({ dir, names }) => atomicallyWrite(path.join(dir, names[0] ?? 'f0.dat'), data) },
];

/** One contender, `CALLS` calls in a fresh directory: wall ms and event-loop busy µs per file written, CPU time used. */
const measure = async (c: Contender): Promise<{ wallMs: number; busyUs: number; files: number; cpu: CpuSample | undefined }> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-loop-'));
  const names = Array.from({ length: c.width }, (_, i) => `f${i}.dat`);
  for (const n of names) fs.writeFileSync(path.join(dir, n), data);
  const store = await openStore({ root: dir, durability: c.durability ?? 'full' });
  try {
    const ctx = { dir, store, names };
    for (let i = 0; i < 5; i++) await c.call(ctx); // warm: backups exist, retention has work, code is compiled
    const loop0 = performance.eventLoopUtilization();
    const cpu0 = cpuSample();
    const t0 = nowMs();
    for (let i = 0; i < CALLS; i++) await c.call(ctx);
    const wall = nowMs() - t0;
    const cpu1 = cpuSample();
    const loop = performance.eventLoopUtilization(loop0);
    const files = CALLS * c.width;
    return { wallMs: wall / files, busyUs: (loop.active * 1000) / files, files, cpu: cpu0 === undefined || cpu1 === undefined ? undefined : cpuSince(cpu0, cpu1) };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** lstat round trips on the thread pool, `n` of them, each after `pauseMs` of idleness: µs to issue one, µs until its callback. */
const roundTrips = async (n: number, pauseMs: number): Promise<{ issueUs: number; roundTripUs: number }> => {
  const file = path.join(os.tmpdir(), `txfs-loop-${process.pid}`);
  fs.writeFileSync(file, 'x');
  try {
    const issue: number[] = [];
    const trip: number[] = [];
    for (let i = 0; i < n; i++) {
      if (pauseMs > 0) await sleep(pauseMs);
      const t0 = nowMs();
      await new Promise<void>((resolve, reject) => {
        fs.lstat(file, (e) => (e === null ? resolve() : reject(e)));
        issue.push((nowMs() - t0) * 1000);
      });
      trip.push((nowMs() - t0) * 1000);
    }
    return { issueUs: median(issue), roundTripUs: median(trip) };
  } finally {
    fs.rmSync(file, { force: true });
  }
};

/**
 * µs per file create (an `O_CREAT | O_EXCL` open and its close, on the event loop as txfs makes its temps), the median
 * of 500 in a new directory of the temp dir, removed afterwards.
 */
const createCostNow = (): number => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-create-'));
  try {
    const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
    const us: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = nowMs();
      fs.closeSync(fs.openSync(path.join(dir, `probe-${i}`), O_WRONLY | O_CREAT | O_EXCL, 0o600));
      us.push((nowMs() - t0) * 1000);
    }
    return median(us);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
const createBeforeUs = createCostNow();

/**
 * µs per directory-changing call, medians of 500 in a steady stream like a store's: a directory of 10 files replaced in
 * turn, a second one keeping the replaced versions (linked before the rename, so the rename frees nothing), the oldest
 * of them unlinked once there are 5 (that unlink frees an inode and its blocks). Then the same stream as atomically
 * makes it: a create and a rename over the file, which frees the replaced version there.
 */
const directoryCallsNow = (): { store: { create: number; renameOver: number; link: number; unlink: number }; plain: { create: number; renameOver: number } } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-dircalls-'));
  try {
    const kept = path.join(dir, 'kept');
    fs.mkdirSync(kept);
    const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
    const names = Array.from({ length: 10 }, (_, i) => path.join(dir, `f${i}`));
    for (const n of names) fs.writeFileSync(n, data);
    /** Creates and writes a temp, returning the µs its open and close took. */
    const createTemp = (temp: string): number => {
      const t0 = nowMs();
      const fd = fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL, 0o600);
      const t1 = nowMs();
      fs.writeSync(fd, data);
      const t2 = nowMs();
      fs.closeSync(fd);
      return (t1 - t0 + (nowMs() - t2)) * 1000;
    };
    const timed = (f: () => void): number => {
      const t0 = nowMs();
      f();
      return (nowMs() - t0) * 1000;
    };
    const store = { create: [] as number[], renameOver: [] as number[], link: [] as number[], unlink: [] as number[] };
    const plain = { create: [] as number[], renameOver: [] as number[] };
    for (let i = 0; i < 600; i++) {
      const target = names[i % names.length] as string;
      const temp = path.join(dir, `.temp-${i}`);
      const link = timed(() => fs.linkSync(target, path.join(kept, `v${i}`)));
      const create = createTemp(temp);
      const renameOver = timed(() => fs.renameSync(temp, target));
      const unlink = timed(() => i >= 5 && fs.unlinkSync(path.join(kept, `v${i - 5}`)));
      if (i < 100) continue;
      store.link.push(link);
      store.create.push(create);
      store.renameOver.push(renameOver);
      store.unlink.push(unlink);
    }
    for (let i = 0; i < 600; i++) {
      const temp = path.join(dir, `.plain-${i}`);
      const create = createTemp(temp);
      const renameOver = timed(() => fs.renameSync(temp, names[i % names.length] as string));
      if (i < 100) continue;
      plain.create.push(create);
      plain.renameOver.push(renameOver);
    }
    return {
      store: { create: median(store.create), renameOver: median(store.renameOver), link: median(store.link), unlink: median(store.unlink) },
      plain: { create: median(plain.create), renameOver: median(plain.renameOver) },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const wall = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
const busy = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
/** CPU time summed over every round (the kernel's share comes in clock ticks: only a sum over many calls tells it). */
const cpu = new Map<string, { files: number; mainUs: number; mainKernelUs: number; processUs: number }>();
for (let r = 0; r < ROUNDS; r++) {
  // Alternating: odd rounds run the contenders in reverse order, so no contender always follows the same one.
  for (const c of r % 2 === 0 ? contenders : [...contenders].reverse()) {
    const m = await measure(c);
    wall.get(c.name)?.push(m.wallMs);
    busy.get(c.name)?.push(m.busyUs);
    if (m.cpu !== undefined) {
      const t = cpu.get(c.name) ?? { files: 0, mainUs: 0, mainKernelUs: 0, processUs: 0 };
      cpu.set(c.name, { files: t.files + m.files, mainUs: t.mainUs + m.cpu.mainUs, mainKernelUs: t.mainKernelUs + m.cpu.mainKernelUs, processUs: t.processUs + m.cpu.processUs });
    }
  }
}
const med = (m: Map<string, number[]>, k: string): number => median(m.get(k) ?? []);
const table = Object.fromEntries(
  contenders.map((c) => {
    const w = med(wall, c.name);
    const b = med(busy, c.name);
    const t = cpu.get(c.name);
    const threads =
      t === undefined
        ? {}
        : {
            'main thread CPU µs per file': Math.round(t.mainUs / t.files),
            "kernel's share of it": Number((t.mainKernelUs / t.mainUs).toFixed(2)),
            'all threads CPU µs per file': Math.round(t.processUs / t.files),
          };
    return [c.name, { 'ms per file': Number(w.toFixed(3)), 'loop busy µs per file': Math.round(b), 'busy share of wall': Number((b / 1000 / w).toFixed(2)), ...threads }];
  }),
);
console.log(`event-loop busy time per file written (${ROUNDS} rounds of ${CALLS} calls, medians)`);
console.table(table);

const createAfterUs = createCostNow();
const dirCalls = directoryCallsNow();
const hot = await roundTrips(2000, 0);
const idle = await roundTrips(500, 1);
console.log(`thread-pool round trip (lstat), back to back: issue ${hot.issueUs.toFixed(1)} µs, round trip ${hot.roundTripUs.toFixed(1)} µs`);
console.log(`thread-pool round trip (lstat), after 1 ms idle: issue ${idle.issueUs.toFixed(1)} µs, round trip ${idle.roundTripUs.toFixed(1)} µs`);
console.log(`file create + close on the event loop (median of 500, in a new directory): ${createBeforeUs.toFixed(1)} µs before the contenders ran, ${createAfterUs.toFixed(1)} µs after`);
const storeCalls = dirCalls.store.create + dirCalls.store.renameOver + dirCalls.store.link + dirCalls.store.unlink;
const plainCalls = dirCalls.plain.create + dirCalls.plain.renameOver;
console.log(
  `directory-changing calls (medians of 500, steady state), as a store write with backups makes them: create ${dirCalls.store.create.toFixed(1)} µs, ` +
    `link ${dirCalls.store.link.toFixed(1)}, rename over the file ${dirCalls.store.renameOver.toFixed(1)}, unlink of the oldest version ${dirCalls.store.unlink.toFixed(1)} ` +
    `(${storeCalls.toFixed(0)} µs); as atomically makes them: create ${dirCalls.plain.create.toFixed(1)}, rename over the file ${dirCalls.plain.renameOver.toFixed(1)} (${plainCalls.toFixed(0)} µs)`,
);

const busyRatio = (a: string, b: string): number => Number((med(busy, a) / med(busy, b)).toFixed(2));
const ratios = {
  '16 concurrent: loop busy per file, txfs / atomically': busyRatio('txfs 16 concurrent store writes', '16 concurrent atomically'),
  '16 concurrent: loop busy per file, txfs (none) / atomically': busyRatio('txfs 16 concurrent store writes (none)', '16 concurrent atomically'),
  '16 concurrent: loop busy per file, txfs (none, backup: false) / atomically': busyRatio('txfs 16 concurrent store writes (none, backup: false)', '16 concurrent atomically'),
  'sequential: loop busy per file, txfs (none) / atomically': busyRatio('txfs sequential store.writeFile (none)', 'sequential atomically'),
};
console.table(ratios);
writeResults('event-loop', {
  config: { rounds: ROUNDS, calls: CALLS, width: WIDTH, bytes: data.length },
  perFile: table,
  threadPoolRoundTripUs: { backToBack: hot, afterOneMsIdle: idle },
  fileCreateUs: { beforeContenders: createBeforeUs, afterContenders: createAfterUs },
  directoryCallUs: dirCalls,
  ratios,
});
