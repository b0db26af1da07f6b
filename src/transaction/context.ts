/**
 * What every transaction and recovery step of one store needs: the environment, where the store lives,
 * and how the protocol is configured.
 */
import type { Env } from '../env.js';
import type { BackupPolicy, Logger } from '../types.js';
import type { ProtocolBreaks } from './breaks.js';

/** Something the backup module may do after each commit (retention); errors are logged, never thrown to the committer. */
export type AfterCommitHook = (txId: string, rels: readonly string[]) => Promise<void>;

/** One open store, as its internals see it. */
export interface StoreContext {
  readonly env: Env;
  /** Absolute root, as given (resolved). */
  readonly root: string;
  /** The root with every symbolic link resolved: paths are checked against this. */
  readonly rootReal: string;
  readonly stateDir: string;
  readonly stateDirReal: string;
  readonly backupDir: string;
  readonly lockTimeoutMs: number;
  readonly breaks: ProtocolBreaks;
  readonly backupPolicy: BackupPolicy | undefined;
  readonly logger: Logger | undefined;
  /** Transactions of this store that failed after their commit point: their locks stay held until recovery. */
  readonly stuck: Set<string>;
  afterCommit: AfterCommitHook | undefined;
}
