/**
 * Is the holder of a lock still alive? A lock names its owner by transaction id, pid and process start time.
 * In this process, a transaction is alive while it is marked running. Another process is alive when its pid
 * exists, is not a zombie, and started at the recorded time (so a recycled pid does not keep a lock held).
 * `osProcesses` is the real process table; the crash world has a simulated one.
 */
import type { HolderIdentity, Processes } from '../env.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { isDeadState, processExists, readProcessStat } from '../fs/procStat.js';

export { parseProcStat, readProcessStat, type ProcessStat } from '../fs/procStat.js';

/** The transactions running in this OS process: one set, whichever store (or FileSystem) they run through. */
const running = new Set<string>();

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
      if (isDeadState(stat.state)) return false;
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
