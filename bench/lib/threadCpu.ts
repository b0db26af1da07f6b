/**
 * CPU time by thread, for benches that ask where a write's time goes: the main thread's (user and kernel) against the
 * whole process's (the thread pool, V8's helper threads, lmdb-js's). Linux only (`/proc/thread-self`); undefined
 * elsewhere, and the bench then prints no such figures.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** CPU time used so far, in µs. */
export interface CpuSample {
  /** The main thread's, user and kernel together (`schedstat`: nanosecond resolution). */
  readonly mainUs: number;
  /** The main thread's in the kernel (`stat`'s stime: clock-tick resolution, 10 ms at 100 Hz; sum long runs). */
  readonly mainKernelUs: number;
  /** The whole process's, every thread, user and kernel together. */
  readonly processUs: number;
}

/** Clock ticks per second (`getconf CLK_TCK`; 100 where it cannot be asked). */
const ticksPerSecond = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** The main thread's and the process's CPU time now; undefined where `/proc/thread-self` cannot tell (not Linux). */
export const cpuSample = (): CpuSample | undefined => {
  // Called on the main thread: thread-self is the main thread.
  let sched: string;
  let stat: string;
  try {
    sched = readFileSync('/proc/thread-self/schedstat', 'utf8');
    stat = readFileSync('/proc/thread-self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // stat: "pid (comm) state ..." — fields after the comm's closing parenthesis; stime is the 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const stime = Number(fields[12]);
  const onCpuNs = Number(sched.split(' ')[0]);
  if (!Number.isFinite(stime) || !Number.isFinite(onCpuNs)) return undefined;
  const p = process.cpuUsage();
  return { mainUs: onCpuNs / 1000, mainKernelUs: (stime * 1e6) / ticksPerSecond, processUs: p.user + p.system };
};

/** What was used between `a` and `b` (both from `cpuSample`). */
export const cpuSince = (a: CpuSample, b: CpuSample): CpuSample => ({
  mainUs: b.mainUs - a.mainUs,
  mainKernelUs: b.mainKernelUs - a.mainKernelUs,
  processUs: b.processUs - a.processUs,
});
