/**
 * The process table as Linux shows it in `/proc`: whether a pid exists, its state and its start time. Locks (through
 * `transaction/liveness.ts`) and writeFileAtomic's temp names (`ops/writers.ts`) both ask it whether a writer is dead.
 */
import { hasCode } from '../errors.js';
import { io, runAsync, type Dual } from './dual.js';
import type { FileSystem } from './fileSystem.js';

/** What `/proc/<pid>/stat` says of a process: its state letter and its start time (clock ticks after boot). */
export interface ProcessStat {
  readonly state: string;
  readonly startTime: string;
}

/**
 * Parses `/proc/<pid>/stat`. The command name (field 2) may hold spaces and parentheses, so fields are
 * counted after its last `)`: state is field 3, start time field 22. Throws a TypeError on another format.
 */
export const parseProcStat = (text: string): ProcessStat => {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  if (text.lastIndexOf(')') < 0 || state === undefined || startTime === undefined || !/^\d+$/.test(startTime)) {
    throw new TypeError(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  }
  return { state, startTime };
};

/**
 * Reads a process's stat, as a dual step; `undefined` when the process does not exist (ENOENT, ESRCH), or when
 * the system has no `/proc` at all (then start times are not recorded and not compared).
 * Errors: the errno of any other read failure.
 */
export function* readProcessStatSteps(pid: number): Dual<ProcessStat | undefined> {
  try {
    return parseProcStat((yield* io('readFile', `/proc/${pid}/stat`)).toString('utf8'));
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ESRCH')) return undefined;
    throw e;
  }
}

/**
 * Reads a process's stat through `fs` (`readProcessStatSteps`).
 * Errors: the errno of a read failure other than ENOENT and ESRCH.
 */
export const readProcessStat = (fs: FileSystem, pid: number): Promise<ProcessStat | undefined> => runAsync(fs, readProcessStatSteps(pid));

/** True when a process `pid` exists (kill(pid, 0); EPERM: it exists but belongs to someone else). */
export const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/** A zombie (killed, not yet reaped) or dead process still answers kill(pid, 0): its state letter says it is gone. */
export const isDeadState = (state: string): boolean => state === 'Z' || state === 'X';
