/**
 * The commit protocol of DESIGN.md, its nine steps in order, in one function. Before the commit point
 * (step 6) any failure rolls everything back; after it, the transaction is finished forward, here or by recovery.
 */
import { toBackupEntry } from '../backup/backupIndex.js';
import { throwIfAborted } from '../ops/abort.js';
import type { TxOptions, TxResult } from '../types.js';
import { applyOps, makeDurable } from './apply.js';
import { checkShapes, lockPathsOf, planOps } from './begin.js';
import { checkOps } from './check.js';
import type { StoreContext } from './context.js';
import type { Draft } from './draft.js';
import { backupRecordOf, finishCommitted, undoStaged } from './finish.js';
import { acquireLocks, lockOwner, markDone, markRunning, releaseLocks } from './locks.js';
import { fileResult, toOpRecord, type PlannedOp } from './plannedOp.js';
import { lockAndIntend } from './lockAndIntend.js';
import { allOrFirstError, protectOps, stageOps } from './stage.js';
import { defaultTuning } from './tuning.js';
import { putTx, type TxRecord, type TxState } from '../journal/records/txRecord.js';

const recordOf = (ctx: StoreContext, id: string, startedAt: number, options: TxOptions, ops: readonly PlannedOp[], state: TxState): TxRecord => ({
  v: 1, id, state, startedAt, pid: process.pid, ops: ops.map((op) => toOpRecord(ctx.root, op)),
  ...(options.label === undefined ? {} : { label: options.label }),
});

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

/**
 * Commits `draft` as transaction `id`. Resolves only once everything is durable (after step 8's fsyncs).
 * @throws TxfsError EOUTSIDE, EINVAL, ELOCKED, ECONFLICT, EVALIDATION, EABORTED, ENOSPC, EIO … — before the commit
 *   point nothing is left behind; after it (an fsync or rename error) the transaction stays `committing`, its locks
 *   held, until recovery finishes it.
 */
export const commitDraft = async (ctx: StoreContext, id: string, draft: Draft, options: TxOptions): Promise<TxResult<void>> => {
  const { env, breaks } = ctx;
  const { signal } = options;
  const startedAt = env.now();
  // Every path resolved and checked (EOUTSIDE, EINVAL) before anything is touched.
  const ops = await planOps(ctx, draft, options);
  checkShapes(ops);
  throwIfAborted(signal, id);
  const owner = lockOwner(id, options.label);
  const locked = lockPathsOf(ops);
  const lock = (into: string[]) => async (rel: string): Promise<void> => {
    await acquireLocks(env, [rel], owner, { timeoutMs: ctx.lockTimeoutMs, signal });
    into.push(rel);
  };
  let stuck = false;
  let released = false;
  markRunning(id);
  try {
    // 1. Begin (locks, sorted; onExists settled) and 2. Intent (every temp and backup name), durable before any exists.
    const intent = await lockAndIntend(ctx, id, ops, options, owner, locked, () => recordOf(ctx, id, startedAt, options, ops, 'staging'));
    if (intent === undefined) return resultOf(ctx, recordOf(ctx, id, startedAt, options, ops, 'rolled-back'), ops);
    await env.journal.flush();
    let rec: TxRecord = intent;
    try {
      // 3. Stage (temps synced) and 4. Protect (backups, their directories synced): independent, both named in the
      // intent flushed above, so they run at the same time; both have settled before a failure is handled.
      const stage = (): Promise<void> => stageOps(ctx, ops, signal, breaks.noTempSync !== true);
      if (ctx.tuning?.stageWithProtect ?? defaultTuning.stageWithProtect) await allOrFirstError([stage(), protectOps(ctx, ops)]);
      else await stage().then(() => protectOps(ctx, ops));
      await checkOps(ctx, draft, ops, options, lock(locked)); // 5. Check (concurrent changes)
      throwIfAborted(signal, id);
      if (breaks.renameBeforeCommitPoint === true) await applyOps(ctx, ops);
      if (ops.every((op) => op.skipped)) throw new SkippedAll();
      // 6. Commit point: durable before the first rename.
      rec = recordOf(ctx, id, startedAt, options, ops, 'committing');
      await env.journal.transact((txn) => putTx(txn, rec));
    } catch (e) {
      await undoStaged(ctx, rec).catch((u: unknown) => ctx.logger?.error({ err: u, txId: id }, 'rollback failed; recovery will finish it'));
      if (e instanceof SkippedAll) return resultOf(ctx, rec, ops);
      throw e;
    }
    try {
      if (breaks.commitPointNotFlushed !== true) await env.journal.flush();
      if (breaks.renameBeforeCommitPoint !== true) await applyOps(ctx, ops); // 7. Apply, in the caller's order
      const stats = await makeDurable(ctx, ops, breaks.noDirSync !== true); // 8. Durable: each parent directory fsynced once
      rec = await finishCommitted(ctx, rec, stats, locked); // 9. Finish: committed + manifest + backup index + locks released
      released = true;
    } catch (e) {
      stuck = true;
      ctx.stuck.add(id);
      throw e;
    }
    return resultOf(ctx, rec, ops);
  } finally {
    markDone(id);
    if (!stuck && !released) await releaseLocks(env, id, locked).catch((u: unknown) => ctx.logger?.warn({ err: u, txId: id }, 'releasing locks failed'));
  }
};

/** Internal signal: every operation was skipped at the check; the transaction rolls back and reports 'skipped'. */
class SkippedAll extends Error {}
