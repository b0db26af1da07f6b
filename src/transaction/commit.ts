/**
 * The commit protocol of DESIGN.md, its nine steps in order, in one function; each step is a function of the
 * store's step table (`steps.ts`). Before the commit point (step 6) any failure rolls everything back; after it,
 * the transaction is finished forward, here or by recovery.
 */
import { toBackupEntry } from '../backup/backupIndex.js';
import { hasCode } from '../errors.js';
import { throwIfAborted } from '../ops/abort.js';
import type { TxOptions, TxResult } from '../types.js';
import type { StoreContext } from './context.js';
import type { Draft } from './draft.js';
import { backupRecordOf, manifestWrites } from './finish.js';
import { acquireAfterRecovery } from './intend.js';
import { lockOwner, releaseLocks, waitedFor } from './locks.js';
import { fileResult, toOpRecord, type PlannedOp } from './plannedOp.js';
import { checkShapes, planOps } from './begin.js';
import { allOrFirstError } from './stage.js';
import type { HandOver } from './deferrals.js';
import { transientBackups, type TxRecord, type TxState } from '../journal/records/txRecord.js';

const resultOf = (ctx: StoreContext, rec: TxRecord, ops: readonly PlannedOp[]): TxResult<void> => ({
  id: rec.id,
  status: ops.every((op) => op.skipped) ? 'skipped' : 'committed',
  value: undefined,
  files: ops.map((op, i) => {
    const op2 = rec.ops[i];
    const b = op2 === undefined ? undefined : backupRecordOf(rec, op2, i);
    return b === undefined ? fileResult(op) : { ...fileResult(op), backup: toBackupEntry(b, ctx.backupDir) };
  }),
});

/** Whether step 9 of `committing`, which holds `held`, may ride on the next commit (`journal/riding.ts`). */
const mayRide = async (ctx: StoreContext, committing: TxRecord, held: readonly string[]): Promise<boolean> =>
  ctx.riding !== undefined && transientBackups(committing).length === 0 && !(await waitedFor(ctx.env, committing.id, held));

/**
 * What of a transaction runs after its call resolved: steps 8 and 9 under durability 'atomic' (step 9 handed over to
 * ride on the next commit where it may, `handOver`); step 9 alone (`made`: step 8's stats) when its journal write rides
 * on the next commit. A failure leaves the record `committing` and the locks held for recovery (run before this store's
 * next commit), as in `commitDraft`.
 */
const finishLater = async (
  ctx: StoreContext,
  committing: TxRecord,
  ops: readonly PlannedOp[],
  held: readonly string[],
  made?: Awaited<ReturnType<StoreContext['steps']['makeDurable']>>,
  handOver?: HandOver,
): Promise<void> => {
  const { steps, env } = ctx;
  try {
    if (made !== undefined) await steps.finish(ctx, committing, made, held, true);
    else {
      const stats = await steps.makeDurable(ctx, ops);
      if (handOver !== undefined && (await mayRide(ctx, committing, held))) {
        // Queued to ride in this turn; from here on a later commit point need not wait for it (it rides on that one).
        const finishing = steps.finish(ctx, committing, stats, held, true);
        handOver(new Map(manifestWrites(committing, stats)));
        await finishing;
      } else await steps.finish(ctx, committing, stats, held, false);
    }
  } catch (e) {
    if (hasCode(e, 'ECRASH')) throw e;
    const what = made === undefined ? 'making a committed transaction durable' : 'finishing a committed transaction';
    ctx.logger?.error({ err: e, txId: committing.id }, `${what} failed; recovery will finish it`);
    ctx.stuck.add(committing.id);
  } finally {
    if (ctx.deferrals.inBackground) env.processes.markDone(committing.id);
  }
};

/**
 * Commits `draft` as transaction `id`. Resolves only once everything is durable (after step 8's fsyncs).
 * @throws TxfsError EOUTSIDE, EINVAL, ELOCKED, ECONFLICT, EVALIDATION, EABORTED, ENOSPC, EIO … — before the commit
 *   point nothing is left behind; after it (an fsync or rename error) the transaction stays `committing`, its locks
 *   held, until recovery finishes it. A failure of step 9 alone (its journal write) is not the call's: the changes
 *   are durable, the call resolves, and recovery writes the rest.
 */
export const commitDraft = async (ctx: StoreContext, id: string, draft: Draft, options: TxOptions): Promise<TxResult<void>> => {
  const { env, steps } = ctx;
  const { signal } = options;
  const startedAt = env.now();
  // Every path resolved and checked (EOUTSIDE, EINVAL) before anything is touched.
  const ops = await planOps(ctx, draft, options);
  checkShapes(ops);
  throwIfAborted(signal, id);
  const owner = lockOwner(id, options.label);
  const recordOf = (state: TxState): TxRecord => ({
    v: 1, id, state, startedAt, pid: env.processes.pid, ops: ops.map((op) => toOpRecord(ctx.root, op)),
    ...(options.label === undefined ? {} : { label: options.label }),
  });
  const held: string[] = [];
  let settled = false;
  const rollBack = async (rec: TxRecord): Promise<void> => {
    try {
      await steps.rollBack(ctx, rec);
    } catch (u) {
      // Its temps or backups may still be there: it keeps its locks until recovery (run before this store's next
      // commit) has finished it, as a transaction stuck after its commit point does.
      ctx.logger?.error({ err: u, txId: id }, 'rollback failed; recovery will finish it');
      settled = true;
      ctx.stuck.add(id);
    }
  };
  // An earlier transaction whose finish is still to run (`deferrals.ts`) may hold a lock this one needs: finish it first.
  const paths = ops.flatMap((op) => (op.source === undefined ? [op.target.rel] : [op.target.rel, op.source.rel]));
  await ctx.deferrals.settleLocks(paths);
  env.processes.markRunning(id);
  let deferred = false;
  try {
    // 1. Begin and 2. Intent: the locks taken and every temp and backup named, durably, before any of them exists.
    const intended = await steps.intend(ctx, { txId: id, ops, options, owner, record: () => recordOf('staging') });
    held.push(...intended.locked);
    if (intended.record === undefined) return resultOf(ctx, recordOf('rolled-back'), ops);
    await env.journal.flush();
    const staging = intended.record;
    const lock = async (rel: string): Promise<void> => {
      await acquireAfterRecovery(ctx, [rel], owner, signal);
      held.push(rel);
    };
    let committing: TxRecord;
    try {
      // 3. Stage and 4. Protect: independent, both named in the intent, so they run at the same time.
      await allOrFirstError([steps.stage(ctx, ops, signal), steps.protect(ctx, ops)]);
      await steps.check(ctx, draft, ops, options, lock); // 5. Check (concurrent changes)
      throwIfAborted(signal, id);
      committing = recordOf('committing');
      if (!ops.every((op) => op.skipped)) await steps.writeCommitPoint(ctx, committing, ops); // 6. Commit point
    } catch (e) {
      await rollBack(staging);
      throw e;
    }
    if (ops.every((op) => op.skipped)) {
      await rollBack(committing);
      return resultOf(ctx, committing, ops);
    }
    let stats: Awaited<ReturnType<typeof steps.makeDurable>>;
    try {
      await steps.flushCommitPoint(ctx); // 6. … durable before the first rename
      await steps.apply(ctx, ops); // 7. Apply (unrelated paths at once, as the caller's order leaves them)
      if (ctx.durability === 'atomic') {
        // Steps 8 and 9 after the call resolved (`deferrals.ts`); the transaction counts as running until then.
        ctx.deferrals.add(id, paths, (handOver) => finishLater(ctx, committing, ops, held, undefined, handOver));
        deferred = true;
        settled = true;
        return resultOf(ctx, { ...committing, state: 'committed' }, ops);
      }
      stats = await steps.makeDurable(ctx, ops); // 8. Durable: each parent directory fsynced once
    } catch (e) {
      // Past the commit point: the locks stay held until recovery finishes the transaction.
      settled = true;
      ctx.stuck.add(id);
      throw e;
    }
    settled = true;
    if (await mayRide(ctx, committing, held)) {
      // 9. Finish after the call resolved: its journal write rides on the next commit (`journal/riding.ts`), and a
      // later call on one of these paths waits for it (`deferrals.ts`). Not when backups kept only for a roll-back
      // are to go (`backup: false`): the call resolves once they are gone. Nor when another transaction waits for one
      // of its locks: riding, they would pass straight to this process's next transaction, and the waiter starve.
      ctx.deferrals.add(id, paths, () => finishLater(ctx, committing, ops, held, stats), new Map(manifestWrites(committing, stats)));
      deferred = true;
      return resultOf(ctx, { ...committing, state: 'committed' }, ops);
    }
    try {
      return resultOf(ctx, await steps.finish(ctx, committing, stats, held), ops); // 9. Finish: committed, manifest, index, locks released
    } catch (e) {
      // Every change is durable and the commit point says so: the transaction is committed whatever step 9's journal
      // write met (a full disk), and failing the call would claim the targets were left as they were. Recovery (run
      // before this store's next commit) writes what step 9 could not; until then the locks stay held. A simulated
      // power cut (ECRASH) ends the process there: it reports nothing.
      if (hasCode(e, 'ECRASH')) throw e;
      ctx.logger?.error({ err: e, txId: id }, 'finishing a committed transaction failed; recovery will finish it');
      ctx.stuck.add(id);
      return resultOf(ctx, { ...committing, state: 'committed' }, ops);
    }
  } finally {
    if (!deferred || !ctx.deferrals.inBackground) env.processes.markDone(id);
    if (!settled) await releaseLocks(env, id, held).catch((u: unknown) => ctx.logger?.warn({ err: u, txId: id }, 'releasing locks failed'));
  }
};
