/**
 * The environment every effectful step runs in: the disk, the journal, the clock, the id generator and the
 * process table come in here, so that the crash simulator, a fault injector or a fixed clock can stand in.
 */
import type { FileSystem } from './fs/fileSystem.js';
import type { Journal } from './journal/journal.js';

/** Who holds a lock, as far as liveness is concerned: a transaction of a process (pid and start time). */
export interface HolderIdentity {
  readonly txId: string;
  readonly pid: number;
  /** The holding process's start time, null where the system does not tell. */
  readonly procStart: string | null;
  /** Where the journal is shared by several hosts (`txfs/postgres`): the holder's host id. */
  readonly host?: string | undefined;
  /** Where the journal is shared by several hosts: the lease the holder held (liveness comes from it). */
  readonly lease?: string | undefined;
}

/** Who this process is on a journal shared by several hosts: its host id and its current lease. */
export interface HostStamp {
  readonly host: string;
  readonly lease: string;
}

/**
 * This process and the others, as locks see them: who we are, and whether the holder of a lock is still alive.
 * A transaction of this process is alive while it is marked running.
 */
export interface Processes {
  /** This process's pid, recorded in its locks and transaction records. */
  readonly pid: number;
  /** This process's start time (recorded in its locks, so a recycled pid is not mistaken for it). */
  startTime(): Promise<string | null>;
  /** False when the holder is certainly gone (its locks are stale); true when it may still be running. */
  isAlive(holder: HolderIdentity): Promise<boolean>;
  /** Marks a transaction of this process as running: the locks it holds are not stale. */
  markRunning(txId: string): void;
  /** Marks a transaction of this process as finished (or dead): any lock it still holds is stale. */
  markDone(txId: string): void;
  /**
   * On a journal shared by several hosts: this process's host id and current lease, written into its locks; a lock
   * taken under an earlier lease (one that lapsed) is fenced at the commit point. Absent on one host.
   */
  stamp?(): HostStamp;
}

/** What every step of the engine is given. */
export interface Env {
  readonly fs: FileSystem;
  readonly journal: Journal;
  readonly now: () => number;
  /** A sortable (time-ordered), unique id. */
  readonly newId: () => string;
  readonly processes: Processes;
}
