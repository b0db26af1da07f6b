/**
 * What fewer serial thread-pool round trips would buy one durable 4 KiB atomic replace, on this machine's disk: the
 * plain write (lstat, open, write, fdatasync, close, rename, open the directory, fsync it: 8 steps one after the other)
 * against three ways of fewer serial steps — the temp closed beside the rename; the directory opened at the start,
 * beside the lstat; a worker thread running open/write/fdatasync/close as one job. The question is whether
 * `writeFileAtomic` should take one of them. Contenders alternate within each round (the order reversed every other
 * round); medians of ms per write, and each variant's speed relative to the plain write (> 1: faster). Measured in
 * os.tmpdir() and, where it exists, in /dev/shm (no real flush: only the round trips are left there).
 * Writes bench/results/write-path.json.
 * Run: npm run bench (all benches) or npx tsx bench/writePath.ts (BENCH_ROUNDS, BENCH_WRITES)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeResults } from './lib/results.js';
import { median, nowMs } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WRITES = Number(process.env.BENCH_WRITES ?? 200);
const data = Buffer.alloc(4096, 'x');

const done = <A>(f: (cb: (e: NodeJS.ErrnoException | null, v: A) => void) => void): Promise<A> =>
  new Promise<A>((resolve, reject) => f((e, v) => (e === null ? resolve(v) : reject(e))));
const open = (p: string, flags: string): Promise<number> => done((cb) => fs.open(p, flags, 0o644, cb));
const write = (fd: number): Promise<number> => done((cb) => fs.write(fd, data, 0, data.length, 0, cb));
const datasync = (fd: number): Promise<void> => done<void>((cb) => fs.fdatasync(fd, (e) => cb(e, undefined)));
const fsync = (fd: number): Promise<void> => done<void>((cb) => fs.fsync(fd, (e) => cb(e, undefined)));
const close = (fd: number): Promise<void> => done<void>((cb) => fs.close(fd, (e) => cb(e ?? null, undefined)));
const rename = (a: string, b: string): Promise<void> => done<void>((cb) => fs.rename(a, b, (e) => cb(e, undefined)));
const lstat = (p: string): Promise<fs.Stats> => done((cb) => fs.lstat(p, cb));

/** A worker thread that writes, fdatasyncs and closes a file in one job (synchronous calls on its own thread). */
const writer = new Worker(
  `const { parentPort } = require('node:worker_threads');
   const fs = require('node:fs');
   parentPort.on('message', ({ id, path, data }) => {
     try {
       const fd = fs.openSync(path, 'w', 0o644);
       try { fs.writeSync(fd, data); fs.fdatasyncSync(fd); } finally { fs.closeSync(fd); }
       parentPort.postMessage({ id });
     } catch (e) { parentPort.postMessage({ id, error: String(e) }); }
   });`,
  { eval: true },
);
let nextId = 0;
const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
writer.on('message', ({ id, error }: { id: number; error?: string }) => {
  const w = waiting.get(id);
  waiting.delete(id);
  if (error === undefined) w?.resolve();
  else w?.reject(new Error(error));
});
const inWorker = (p: string): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    writer.postMessage({ id, path: p, data });
  });

type Variant = (dir: string, f: string, tmp: string) => Promise<void>;
/** The temp created, written and fdatasynced: its descriptor, still open. */
const staged = async (tmp: string): Promise<number> => {
  const fd = await open(tmp, 'w');
  await write(fd);
  await datasync(fd);
  return fd;
};
/** The directory's fsync on its open descriptor, which then closes (not waited for, as txfs does). */
const syncDir = async (d: number): Promise<void> => {
  await fsync(d);
  void close(d);
};
const variants: ReadonlyArray<readonly [string, Variant]> = [
  [
    'plain: 8 serial steps',
    async (dir, f, tmp) => {
      await lstat(f);
      await close(await staged(tmp));
      await rename(tmp, f);
      await syncDir(await open(dir, 'r'));
    },
  ],
  [
    'temp closed beside the rename',
    async (dir, f, tmp) => {
      await lstat(f);
      const fd = await staged(tmp);
      await Promise.all([close(fd), rename(tmp, f)]);
      await syncDir(await open(dir, 'r'));
    },
  ],
  [
    'directory opened at the start',
    async (dir, f, tmp) => {
      const [, d] = await Promise.all([lstat(f), open(dir, 'r')]);
      await close(await staged(tmp));
      await rename(tmp, f);
      await syncDir(d);
    },
  ],
  [
    'open/write/fdatasync/close as one worker job',
    async (dir, f, tmp) => {
      await lstat(f);
      await inWorker(tmp);
      await rename(tmp, f);
      await syncDir(await open(dir, 'r'));
    },
  ],
];

/** Every variant on `base`: median ms per write, and its speed relative to the plain write. */
const measureOn = async (base: string): Promise<Record<string, { msPerWrite: number; vsPlain: number }>> => {
  const dir = fs.mkdtempSync(path.join(base, 'txfs-path-'));
  const f = path.join(dir, 'f.dat');
  const tmp = `${f}.tmp`;
  fs.writeFileSync(f, data);
  try {
    const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    for (const [, v] of variants) for (let i = 0; i < 30; i++) await v(dir, f, tmp);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, v] of r % 2 === 0 ? variants : [...variants].reverse()) {
        const t0 = nowMs();
        for (let i = 0; i < WRITES; i++) await v(dir, f, tmp);
        times.get(name)?.push((nowMs() - t0) / WRITES);
      }
    }
    const plain = median(times.get(variants[0]?.[0] ?? '') ?? []);
    return Object.fromEntries(
      variants.map(([name]) => {
        const ms = median(times.get(name) ?? []);
        return [name, { msPerWrite: Number(ms.toFixed(3)), vsPlain: Number((plain / ms).toFixed(2)) }];
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const places = [os.tmpdir(), ...(fs.existsSync('/dev/shm') ? ['/dev/shm'] : [])];
const results: Record<string, unknown> = {};
try {
  for (const place of places) {
    const r = await measureOn(place);
    console.log(`durable 4 KiB atomic replace in ${place} (${ROUNDS} rounds of ${WRITES}, medians)`);
    console.table(r);
    results[place === os.tmpdir() ? 'tmpdir' : place] = r;
  }
} finally {
  // A failed round must not leave the worker keeping the process alive.
  await writer.terminate();
}
writeResults('write-path', { config: { rounds: ROUNDS, writes: WRITES, bytes: data.length }, places: results });
