/**
 * Who writes a temp file, and whether that writer is certainly dead. writeFileAtomic's temp names carry their writer
 * (`localId.ts`): its pid, its start time, and a tag of the boot, pid namespace and host it runs in. A later write
 * removes a temp only when the process table says that very process is gone — the pid does not exist, is a zombie, or
 * belongs to a process started at another time. A writer of another boot, container or machine (another tag) cannot be
 * judged from here: its temps are left alone.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { io, mapDual, orElse, runAsync, runSync, type Dual } from '../fs/dual.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { nodeFileSystem, nodeSyncFileSystem } from '../fs/node.js';
import { isDeadState, processExists, readProcessStatSteps } from '../fs/procStat.js';
import type { SyncFileSystem } from '../fs/syncFileSystem.js';

/** A writing process, as its temp names name it. */
export interface WriterIdentity {
  readonly pid: number;
  /** Its start time, in clock ticks after boot as `/proc/<pid>/stat` gives it; null where the system does not tell. */
  readonly start: string | null;
  /** Eight hex digits of the boot, the pid namespace and the host name: whose pids these are. */
  readonly host: string;
}

/** The process table, as writeFileAtomic asks it. */
export interface Writers {
  /** This process. */
  self(): Promise<WriterIdentity>;
  /** True only when `writer` is certainly dead (never for this process, nor for a writer of another tag). */
  isGone(writer: WriterIdentity): Promise<boolean>;
  /** `self`, synchronously (the synchronous write names its temps with it); optional for a table that cannot. */
  selfSync?(): WriterIdentity;
  /** `isGone`, synchronously (the synchronous write sweeps dead writers' temps with it); optional as `selfSync`. */
  isGoneSync?(writer: WriterIdentity): boolean;
}

const text = (b: Buffer): string => b.toString('utf8').trim();

/** This process as `/proc` shows it; a missing `/proc` leaves the start unknown and the tag to the host name. */
function* identify(): Dual<WriterIdentity> {
  const boot = yield* orElse(mapDual(io('readFile', '/proc/sys/kernel/random/boot_id'), text), '');
  const ns = yield* orElse(mapDual(io('stat', '/proc/self/ns/pid'), (s) => String(s.ino)), '');
  const stat = yield* orElse(readProcessStatSteps(process.pid), undefined);
  const host = createHash('sha256').update(`${boot}\0${ns}\0${hostname()}`).digest('hex').slice(0, 8);
  return { pid: process.pid, start: stat?.startTime ?? null, host };
}

function* isGoneSteps(w: WriterIdentity, mine: WriterIdentity): Dual<boolean> {
  if (w.host !== mine.host || !Number.isSafeInteger(w.pid) || w.pid <= 0) return false;
  // This pid: gone only if it was an earlier process with our pid (it started at another time).
  if (w.pid === mine.pid) return w.start !== null && mine.start !== null && w.start !== mine.start;
  if (!processExists(w.pid)) return true;
  const stat = yield* orElse(readProcessStatSteps(w.pid), null);
  if (stat === null) return false;
  // No /proc entry although kill(pid, 0) found it: it just exited, or there is no /proc to ask.
  if (stat === undefined) return !processExists(w.pid);
  if (isDeadState(stat.state)) return true;
  return w.start !== null && stat.startTime !== w.start;
}

/**
 * The real process table, read through `fs` (default: the node adapter, whatever disk the files are on) and, for the
 * synchronous forms, through `syncFs`. Its `isGone` answers false when `/proc` cannot be read: a writer is removed only
 * when known dead.
 */
export const osWriters = (fs: FileSystem = nodeFileSystem, syncFs: SyncFileSystem = nodeSyncFileSystem): Writers => {
  let me: WriterIdentity | undefined;
  let asking: Promise<WriterIdentity> | undefined;
  const self = (): Promise<WriterIdentity> => (me !== undefined ? Promise.resolve(me) : (asking ??= runAsync(fs, identify()).then((m) => (me ??= m))));
  const selfSync = (): WriterIdentity => (me ??= runSync(syncFs, identify()));
  return {
    self,
    selfSync,
    isGone: async (w) => runAsync(fs, isGoneSteps(w, await self())),
    isGoneSync: (w) => runSync(syncFs, isGoneSteps(w, selfSync())),
  };
};

/** The process table of this process, shared by every write. */
export const processWriters: Writers = osWriters();
