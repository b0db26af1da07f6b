/**
 * The steps of the commit protocol as a table, so that `commit.ts` reads as DESIGN.md's nine steps and a test can
 * replace one step (the crash suite's deliberately broken protocols, `txfs/testing`) without a branch in the protocol.
 * The table a store runs is assembled by `openStore`: the roll-back before the commit point is recovery's plan.
 */
import type { FileStat } from '../fs/fileSystem.js';
import type { TxOptions } from '../types.js';
import { applyOps, makeDurable } from './apply.js';
import { checkOps } from './check.js';
import type { StoreContext } from './context.js';
import type { Draft } from './draft.js';
import { fenceIn } from './fence.js';
import { finishCommitted } from './finish.js';
import { intend, type Intended, type Intending } from './intend.js';
import type { PlannedOp } from './plannedOp.js';
import { protectOps, stageOps } from './stage.js';
import { putTx, type TxRecord } from '../journal/records/txRecord.js';

/** One function per step of the commit protocol. */
export interface CommitSteps {
  /** 1. Begin (locks, `onExists` settled) and 2. Intent (every temp and backup named), written, not yet flushed. */
  readonly intend: (ctx: StoreContext, tx: Intending) => Promise<Intended>;
  /** 3. Stage: every temp written, validated and fdatasynced. */
  readonly stage: (ctx: StoreContext, ops: readonly PlannedOp[], signal: AbortSignal | undefined) => Promise<void>;
  /** 4. Protect: every replaced or deleted target backed up, the backup directories fsynced. */
  readonly protect: (ctx: StoreContext, ops: readonly PlannedOp[]) => Promise<void>;
  /** 5. Check: concurrent changes resolved by `onConcurrentChange`; `lock` takes the lock of a new name. */
  readonly check: (ctx: StoreContext, draft: Draft, ops: readonly PlannedOp[], options: TxOptions, lock: (rel: string) => Promise<void>) => Promise<void>;
  /**
   * 6a. The commit point written (a failure here leaves the record staging: roll back), once the transactions deferred
   * under durability 'atomic' are durable (`deferrals.ts`).
   */
  readonly writeCommitPoint: (ctx: StoreContext, rec: TxRecord, ops: readonly PlannedOp[]) => Promise<void>;
  /** 6b. The commit point durable (from here on, the transaction rolls forward). */
  readonly flushCommitPoint: (ctx: StoreContext) => Promise<void>;
  /** 7. Apply: renames and unlinks in the caller's order. */
  readonly apply: (ctx: StoreContext, ops: readonly PlannedOp[]) => Promise<void>;
  /** 8. Durable: each parent directory fsynced once; the new files' stats for the manifest. */
  readonly makeDurable: (ctx: StoreContext, ops: readonly PlannedOp[]) => Promise<Map<string, FileStat>>;
  /** 9. Finish: committed + manifest + backup index + locks released, in one journal transaction. */
  /** `ride`: its journal write rides on the next commit (`ctx.riding`, `journal/riding.ts`) instead of being one of its own. */
  readonly finish: (ctx: StoreContext, rec: TxRecord, stats: ReadonlyMap<string, FileStat>, locks: readonly string[], ride?: boolean) => Promise<TxRecord>;
  /** Undoes a transaction that failed before its commit point, from its journal record. */
  readonly rollBack: (ctx: StoreContext, rec: TxRecord) => Promise<void>;
}

/** `steps` without the fsyncs of files and directories (a transaction with `fsync: false`); the journal's stay. */
export const withoutFsync = (steps: CommitSteps): CommitSteps => ({
  ...steps,
  stage: (ctx, ops, signal) => stageOps(ctx, ops, signal, { sync: false }),
  makeDurable: (ctx, ops) => makeDurable(ctx, ops, { sync: false }),
});

/** Step 6a's journal write: the record as `committing`, unless the holder was fenced (its lease lapsed, several hosts). */
export const writeCommitRecord = (ctx: StoreContext, rec: TxRecord): Promise<void> =>
  ctx.env.journal.transact((txn) => {
    fenceIn(txn, ctx.env, rec); // a holder whose lease lapsed (several hosts) is refused here
    putTx(txn, rec);
  });

/** Every step but the roll-back, which recovery provides (one plan for undoing a staging transaction). */
export const commitSteps: Omit<CommitSteps, 'rollBack'> = {
  intend,
  stage: (ctx, ops, signal) => stageOps(ctx, ops, signal, { sync: true }),
  protect: protectOps,
  check: checkOps,
  writeCommitPoint: async (ctx, rec) => {
    // Transactions that resolved earlier under durability 'atomic' are durable before this one's commit point is:
    // their step 8 done. A step 9 that only rides on a later commit is no reason to wait: it rides on this one.
    if (ctx.durability === 'atomic') await ctx.deferrals.settleDurable();
    await writeCommitRecord(ctx, rec);
  },
  flushCommitPoint: (ctx) => ctx.env.journal.flush(),
  apply: applyOps,
  makeDurable: (ctx, ops) => makeDurable(ctx, ops, { sync: true }),
  finish: (ctx, rec, stats, locks, ride) => finishCommitted(ctx, rec, { stats, locks, ride: ride === true }),
};
