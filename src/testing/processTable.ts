/**
 * A simulated process table for the crash world: processes that take locks in one world, each with its own pid and
 * running transactions, and that can die (`kill`) while they hold locks — so that lock liveness, stale-lock
 * breaking and the recovery of a dead holder's transaction can be tested without real processes.
 */
import type { HolderIdentity, Processes } from '../env.js';

/** One simulated process: pass `processes` to `openStore` (option `processes`) to run a store as that process. */
export interface SimulatedProcess {
  readonly pid: number;
  readonly processes: Processes;
  /** True until `kill()`. */
  readonly alive: boolean;
  /** The process dies: every lock it holds is stale from now on (its code still running in this test is a ghost). */
  kill(): void;
}

/** Processes of one simulated machine. */
export interface ProcessTable {
  /** A new live process, with the next free pid. */
  spawn(): SimulatedProcess;
}

/** A process table whose pids start at `firstPid` (default 1000). */
export const createProcessTable = (firstPid = 1000): ProcessTable => {
  const procs = new Map<number, { alive: boolean; start: string }>();
  let next = firstPid;
  const isAlive = async (holder: HolderIdentity): Promise<boolean> => {
    const p = procs.get(holder.pid);
    return p !== undefined && p.alive && (holder.procStart === null || holder.procStart === p.start);
  };
  return {
    spawn() {
      const pid = next++;
      const entry = { alive: true, start: `sim-${pid}` };
      procs.set(pid, entry);
      const running = new Set<string>();
      const processes: Processes = {
        pid,
        startTime: async () => entry.start,
        isAlive: async (holder) => (holder.pid === pid ? entry.alive && running.has(holder.txId) : isAlive(holder)),
        markRunning: (txId) => {
          running.add(txId);
        },
        markDone: (txId) => {
          running.delete(txId);
        },
      };
      return {
        pid,
        processes,
        get alive() {
          return entry.alive;
        },
        kill() {
          entry.alive = false;
        },
      };
    },
  };
};
