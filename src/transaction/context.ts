/**
 * What every transaction and recovery step of one store needs: the environment, where the store lives,
 * and how the protocol is configured.
 */
import type { Env } from '../env.js';
import type { RidingJournal } from '../journal/riding.js';
import type { BackupPolicy, Durability, Logger } from '../types.js';
import type { Deferrals } from './deferrals.js';
import type { CommitSteps } from './steps.js';
import type { CommitTuning } from './tuning.js';

/**
 * Something the backup module may do after each commit (retention); errors are logged, never thrown to the committer.
 * `policies`: a backup policy given for one call (`store.writeFile(p, data, { backup: { keep: 1 } })`) per path.
 */
export type AfterCommitHook = (txId: string, rels: readonly string[], policies?: ReadonlyMap<string, BackupPolicy>) => Promise<void>;

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
  /** The steps of the commit protocol this store runs (`steps.ts`; assembled by `openStore`). */
  readonly steps: CommitSteps;
  readonly backupPolicy: BackupPolicy | undefined;
  readonly logger: Logger | undefined;
  /** Transactions of this store that failed after their commit point: their locks stay held until recovery. */
  readonly stuck: Set<string>;
  afterCommit: AfterCommitHook | undefined;
  /** Runs recovery on this store: used when a lock a transaction needs is held by a dead transaction that is still open. */
  recoverNow: (() => Promise<unknown>) | undefined;
  /**
   * After-commit work still running. It runs in the background when the store owns its journal (a commit resolves once
   * durable, not once housekeeping is done), inline when the journal is injected (a simulated world stays deterministic).
   */
  readonly background: Set<Promise<void>> | undefined;
  /** What a resolved commit promises after a power cut (`StoreOptions.durability`). */
  readonly durability: Durability;
  /**
   * The committed transactions whose finish (step 9) is still to run: under durability 'atomic' with their directory
   * fsyncs; on a journal of the store's own, every transaction's, its journal write riding on the next commit.
   */
  readonly deferrals: Deferrals;
  /**
   * The store's journal (`env.journal` is this one) when the finish of a transaction rides on the next commit
   * (`journal/riding.ts`): on a journal the store opened itself. Undefined on an injected journal (a simulated world
   * stays deterministic; several hosts see a lock released as soon as its transaction ends), where step 9 is inline.
   */
  readonly riding: RidingJournal | undefined;
  /** Benchmark switches of the commit protocol (absent: the defaults). */
  readonly tuning?: CommitTuning;
}

/** Resolves once no after-commit work of the store is running. */
export const settleBackground = async (ctx: StoreContext): Promise<void> => {
  await ctx.deferrals.settle();
  while (ctx.background !== undefined && ctx.background.size > 0) await Promise.all(ctx.background);
};
