/**
 * Steps 1 (begin: locks, `onExists` settled) and 2 (intent) of the commit protocol, in as few journal commits as the
 * situation allows: when no existing target waits for a policy decision, the locks and the intent record go into
 * ONE journal transaction (all locks free, or nothing is written); otherwise — or when a lock is held — the locks
 * are taken first (waiting), then the intent. The intent is written, not yet flushed.
 */
import type { TxOptions } from '../types.js';
import { lockPathsOf, settleExisting } from './begin.js';
import type { StoreContext } from './context.js';
import { acquireLocks, releaseLocks, tryLockWith, type LockOwner } from './locks.js';
import { isReadOnly } from './fingerprint.js';
import { putsFile, type PlannedOp } from './plannedOp.js';
import { nameFiles } from './stage.js';
import { putTx, type TxRecord } from '../journal/records/txRecord.js';

/** What steps 1 and 2 are given. */
export interface Intending {
  readonly txId: string;
  readonly ops: readonly PlannedOp[];
  readonly options: TxOptions;
  readonly owner: LockOwner;
  /** The intent record, built once every temp and backup is named. */
  readonly record: () => TxRecord;
}

/** What steps 1 and 2 leave: the locks held, and the intent record (undefined: every operation was skipped, nothing written). */
export interface Intended {
  readonly locked: readonly string[];
  readonly record: TxRecord | undefined;
}

/** Takes the locks (waiting); a dead transaction holding one of them is finished by recovery first. */
export const acquireAfterRecovery = (ctx: StoreContext, paths: readonly string[], owner: LockOwner, signal: AbortSignal | undefined): Promise<void> =>
  acquireLocks(ctx.env, paths, owner, { timeoutMs: ctx.lockTimeoutMs, signal, onDeadHolder: ctx.recoverNow });

/** True when an operation's existing target waits for a decision: a read-only one, or an `onExists` other than the default. */
const needsDecision = (op: PlannedOp, options: TxOptions): boolean =>
  op.before.exists && ((op.kind === 'delete' && isReadOnly(op.before)) || (putsFile(op) && (isReadOnly(op.before) || (op.options.onExists ?? options.onExists ?? 'overwrite') !== 'overwrite')));

/**
 * Locks every path of the operations and writes the intent record (after naming every temp and backup). On failure
 * it releases what it took.
 * @throws TxfsError ELOCKED, EABORTED, ECONFLICT (an `onExists` policy), EJOURNAL.
 */
export const intend = async (ctx: StoreContext, { txId, ops, options, owner, record }: Intending): Promise<Intended> => {
  const { env } = ctx;
  const locked = lockPathsOf(ops);
  try {
    if (!ops.some((op) => needsDecision(op, options))) {
      nameFiles(ctx, txId, ops);
      const rec = record();
      if (await tryLockWith(env, locked, owner, (txn) => putTx(txn, rec))) return { locked, record: rec };
    }
    await acquireAfterRecovery(ctx, locked, owner, options.signal);
    await settleExisting(ctx, ops, options, async (rel) => {
      await acquireAfterRecovery(ctx, [rel], owner, options.signal);
      locked.push(rel);
    });
    if (ops.every((op) => op.skipped)) return { locked, record: undefined };
    nameFiles(ctx, txId, ops);
    const rec = record();
    await env.journal.transact((txn) => putTx(txn, rec));
    return { locked, record: rec };
  } catch (e) {
    await releaseLocks(env, txId, locked).catch((u: unknown) => ctx.logger?.warn({ err: u, txId }, 'releasing locks failed'));
    throw e;
  }
};
