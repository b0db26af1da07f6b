/**
 * The process table of a journal shared by several hosts: a lock's holder is alive while its lease is (by the
 * database's clock), and, on this host, while its process runs; in this process, while its transaction runs under the
 * current lease. A holder of another host is never judged by this machine's process table (a pid means nothing here).
 */
import type { HolderIdentity, HostStamp, Processes } from '../env.js';
import { nodeFileSystem } from '../fs/node.js';
import { isDeadState, processExists, readProcessStat } from '../fs/procStat.js';
import type { Lease } from './lease.js';

/** True when process `pid` of this machine is certainly gone, or is not the one that started at `procStart`. */
const goneHere = async (pid: number, procStart: string | null): Promise<boolean> => {
  if (!Number.isSafeInteger(pid) || pid <= 0 || !processExists(pid)) return true;
  const stat = await readProcessStat(nodeFileSystem, pid);
  if (stat === undefined) return false;
  return isDeadState(stat.state) || (procStart !== null && stat.startTime !== procStart);
};

/** The Processes of a journal whose liveness comes from `lease` (errors of `isAlive`: EJOURNAL, from `check`). */
export const hostProcesses = (
  hostId: string,
  lease: Lease,
  procStart: string | null,
  check: (id: string) => Promise<boolean>,
): Processes => {
  const running = new Set<string>();
  return {
    pid: process.pid,
    startTime: async () => procStart,
    stamp: (): HostStamp => ({ host: hostId, lease: lease.current }),
    async isAlive(holder: HolderIdentity) {
      const here = holder.host === undefined || holder.host === hostId;
      if (holder.lease === undefined) {
        // Not written through a shared journal: only this machine can tell, by its process table.
        return here && (holder.pid === process.pid ? running.has(holder.txId) : !(await goneHere(holder.pid, holder.procStart)));
      }
      if (holder.lease === lease.current) return running.has(holder.txId);
      if (lease.past.has(holder.lease)) return false;
      // Same host, another process: a process that is gone is dead at once, without waiting for its lease to expire.
      if (here && holder.pid !== process.pid && (await goneHere(holder.pid, holder.procStart))) return false;
      return check(holder.lease);
    },
    markRunning(txId) {
      running.add(txId);
    },
    markDone(txId) {
      running.delete(txId);
    },
  };
};
