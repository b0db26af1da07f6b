/**
 * Steps 1 (begin: locks, `onExists` settled) and 2 (intent) of the commit protocol, in as few journal commits as the
 * situation allows: when no existing target waits for a policy decision, the locks and the intent record go into
 * ONE journal transaction (all locks free, or nothing is written); otherwise — or when a lock is held — the locks
 * are taken first (waiting), then the intent. The intent is written, not yet flushed.
 */
import type { TxOptions } from '../types.js';
import { TxfsError } from '../errors.js';
import { resolveConflict } from '../conflict/resolveConflict.js';
import type { Conflict, ConflictPolicy } from '../types.js';
import { lockPathsOf, retarget, settleExisting } from './begin.js';
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
 * Takes the locks of `locked` (waiting). A lock still held by another transaction after the timeout is, when every
 * operation on that path has a callback as its policy, a `locked` conflict the callback resolves (API.md "Conflicts"):
 * skip drops the operation, rename / keep-both moves its new file beside the target (that name is locked instead);
 * cancel is ECONFLICT; anything else (a string policy; overwrite; a rename's locked source) stays ELOCKED.
 * `locked` is updated in place to the set of paths held.
 * @throws TxfsError ELOCKED, ECONFLICT, EABORTED, EJOURNAL.
 */
const lockOrAsk = async (ctx: StoreContext, ops: readonly PlannedOp[], owner: LockOwner, signal: AbortSignal | undefined, locked: string[]): Promise<void> => {
  for (let round = 0; ; round++) {
    try {
      await acquireAfterRecovery(ctx, locked, owner, signal);
      return;
    } catch (e) {
      const held = e instanceof TxfsError && e.code === 'ELOCKED' ? e.path : undefined;
      if (held === undefined || round > ops.length) throw e;
      const asking = ops.filter((op) => !op.skipped && (op.target.rel === held || op.source?.rel === held));
      if (asking.length === 0 || asking.some((op) => typeof op.onExists !== 'function' || op.source?.rel === held)) throw e;
      for (const op of asking) {
        const conflict: Conflict = { kind: 'locked', path: held, ...(e instanceof TxfsError && e.holder !== undefined ? { holder: e.holder } : {}) };
        const decision = await resolveConflict(op.onExists as ConflictPolicy, conflict);
        if (decision === 'skip') op.skipped = true;
        else if (decision === 'rename' || decision === 'keep-both') await retarget(ctx, op, decision, async (rel) => void locked.push(rel));
        else throw e;
      }
      locked.splice(locked.indexOf(held), 1);
    }
  }
};

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
    await lockOrAsk(ctx, ops, owner, options.signal, locked);
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
