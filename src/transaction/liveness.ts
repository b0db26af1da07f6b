/**
 * Is the holder of a lock still alive? A lock names its owner by transaction id, pid and process start time.
 * In this process, a transaction is alive while it is marked running. Another process is alive when its pid
 * exists, is not a zombie, and started at the recorded time (so a recycled pid does not keep a lock held).
 * `osProcesses` is the real process table; the crash world has a simulated one.
 */
import type { HolderIdentity, Processes } from '../env.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { hasCode } from '../errors.js';

/** The transactions running in this OS process: one set, whichever store (or FileSystem) they run through. */
const running = new Set<string>();

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
 * Reads a process's stat through `fs`; `undefined` when the process does not exist (ENOENT, ESRCH), or when
 * the system has no `/proc` at all (then start times are not recorded and not compared).
 * Errors: the errno of any other read failure.
 */
export const readProcessStat = async (fs: FileSystem, pid: number): Promise<ProcessStat | undefined> => {
  try {
    return parseProcStat((await fs.readFile(`/proc/${pid}/stat`)).toString('utf8'));
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ESRCH')) return undefined;
    throw e;
  }
};

const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

const tables = new WeakMap<FileSystem, Processes>();

/**
 * The real process table, reading `/proc` through `fs` (one table per FileSystem, all sharing this process's
 * running transactions). Its `isAlive` rejects with the errno of a failed `/proc` read other than ENOENT.
 */
export const osProcesses = (fs: FileSystem): Processes => {
  const known = tables.get(fs);
  if (known !== undefined) return known;
  let ownStart: Promise<string | null> | undefined;
  const table: Processes = {
    pid: process.pid,
    startTime() {
      if (ownStart === undefined) {
        const start = readProcessStat(fs, process.pid).then((s) => s?.startTime ?? null);
        // A failed read is not cached: the next lock attempt asks again.
        start.catch(() => {
          ownStart = undefined;
        });
        ownStart = start;
      }
      return ownStart;
    },
    async isAlive(holder: HolderIdentity) {
      if (holder.pid === process.pid) return running.has(holder.txId);
      if (!Number.isSafeInteger(holder.pid) || holder.pid <= 0 || !processExists(holder.pid)) return false;
      const stat = await readProcessStat(fs, holder.pid);
      if (stat === undefined) return holder.procStart === null && processExists(holder.pid);
      // A zombie (killed, not yet reaped) or dead process still answers kill(pid, 0).
      if (stat.state === 'Z' || stat.state === 'X') return false;
      return holder.procStart === null || stat.startTime === holder.procStart;
    },
    markRunning(txId) {
      running.add(txId);
    },
    markDone(txId) {
      running.delete(txId);
    },
  };
  tables.set(fs, table);
  return table;
};
