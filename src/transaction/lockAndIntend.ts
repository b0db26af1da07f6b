/**
 * Steps 1 and 2 of the commit protocol in as few journal commits as the situation allows: when no existing target
 * waits for a policy decision, the locks and the intent record go into ONE journal transaction (all locks free, or
 * nothing is written); otherwise — or when a lock is held — the locks are taken first (waiting), then the intent.
 */
import type { Env } from '../env.js';
import type { JournalTxn } from '../journal/journal.js';
import { decodeRecord, encodeRecord } from '../journal/envelope.js';
import type { TxOptions } from '../types.js';
import { settleExisting } from './begin.js';
import type { StoreContext } from './context.js';
import { isHolderAlive, ownProcessStart } from './liveness.js';
import { LockRecord, acquireLocks, lockKey, type LockOwner } from './locks.js';
import { putsFile, type PlannedOp } from './plannedOp.js';
import { nameFiles } from './stage.js';
import { openKey, putTx, type TxRecord } from '../journal/records/txRecord.js';

const heldBy = (txn: JournalTxn, path: string): string | undefined => {
  const raw = txn.get(lockKey(path));
  return raw === undefined ? undefined : decodeRecord(lockKey(path), raw, LockRecord).txId;
};

/**
 * Takes every lock of `paths` for `owner` and runs `write`, in one journal transaction; false (nothing written)
 * when another transaction holds one of the locks. Throws EJOURNAL for a damaged lock record.
 */
export const tryLockWith = async (env: Env, paths: readonly string[], owner: LockOwner, write: (txn: JournalTxn) => void): Promise<boolean> => {
  const procStart = await ownProcessStart(env.fs);
  const record: LockRecord = { txId: owner.txId, pid: owner.pid, procStart, label: owner.label, since: env.now() };
  return env.journal.transact((txn) => {
    if (paths.some((p) => (heldBy(txn, p) ?? owner.txId) !== owner.txId)) return false;
    for (const p of paths) txn.put(lockKey(p), encodeRecord(lockKey(p), LockRecord, record));
    write(txn);
    return true;
  });
};

/** Removes, inside a journal transaction, the locks `txId` holds on `paths` (others' locks are left alone). */
export const releaseIn = (txn: JournalTxn, txId: string, paths: readonly string[]): void => {
  for (const p of paths) if (heldBy(txn, p) === txId) txn.remove(lockKey(p));
};

/**
 * True when one of `paths` is locked by a transaction that is dead but not finished: its lock must not simply be
 * broken (a half-applied transaction would be overwritten and later rolled forward over the new content) —
 * recovery finishes it first. Throws EJOURNAL.
 */
const blockedByDeadTx = async (env: Env, paths: readonly string[], self: string): Promise<boolean> => {
  for (const p of paths) {
    const raw = await env.journal.get(lockKey(p));
    if (raw === undefined) continue;
    const lock = decodeRecord(lockKey(p), raw, LockRecord);
    if (lock.txId === self || (await isHolderAlive(env.fs, lock))) continue;
    if ((await env.journal.get(openKey(lock.txId))) !== undefined) return true;
  }
  return false;
};

/** Takes the locks (waiting), after recovery has finished any dead transaction holding one of them. */
const acquireAfterRecovery = async (ctx: StoreContext, paths: readonly string[], owner: LockOwner, signal: AbortSignal | undefined): Promise<void> => {
  if (ctx.recoverNow !== undefined && (await blockedByDeadTx(ctx.env, paths, owner.txId))) await ctx.recoverNow();
  await acquireLocks(ctx.env, paths, owner, { timeoutMs: ctx.lockTimeoutMs, signal });
};

/** True when an operation's existing target waits for an `onExists` decision other than the default overwrite. */
const needsDecision = (op: PlannedOp, options: TxOptions): boolean =>
  putsFile(op) && op.before.exists && (op.options.onExists ?? options.onExists ?? 'overwrite') !== 'overwrite';

/**
 * Locks every path of `ops` and writes the intent record built by `intent` (after naming every temp and backup),
 * not yet flushed. Returns undefined when every operation was skipped by its `onExists` policy (nothing written).
 * @throws TxfsError ELOCKED, EABORTED, ECONFLICT (an `onExists` policy), EJOURNAL.
 */
export const lockAndIntend = async (
  ctx: StoreContext,
  txId: string,
  ops: readonly PlannedOp[],
  options: TxOptions,
  owner: LockOwner,
  locked: string[],
  intent: () => TxRecord,
): Promise<TxRecord | undefined> => {
  const { env } = ctx;
  const lockOne = async (rel: string): Promise<void> => {
    await acquireAfterRecovery(ctx, [rel], owner, options.signal);
    locked.push(rel);
  };
  if (!ops.some((op) => needsDecision(op, options))) {
    nameFiles(ctx, txId, ops);
    const rec = intent();
    if (await tryLockWith(env, locked, owner, (txn) => putTx(txn, rec))) return rec;
  }
  await acquireAfterRecovery(ctx, locked, owner, options.signal);
  await settleExisting(ctx, ops, options, lockOne);
  if (ops.every((op) => op.skipped)) return undefined;
  nameFiles(ctx, txId, ops);
  const rec = intent();
  await env.journal.transact((txn) => putTx(txn, rec));
  return rec;
};
