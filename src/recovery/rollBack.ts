/**
 * The in-process roll-back of a transaction that failed before its commit point: recovery's own plan for its
 * record (`planRollBack`), carried out by recovery's replay — one place decides how a staging transaction is undone.
 */
import type { TxRecord } from '../journal/records/txRecord.js';
import type { StoreContext } from '../transaction/context.js';
import { planRollBack } from './plan.js';
import { replayRecord, settleReplays } from './replay.js';

/**
 * Removes every temp file and backup `rec` may have created and the directories its `mkdir`s made (when still
 * empty), durably, then marks it `rolled-back`. Idempotent.
 * @throws TxfsError EIO … (the record stays open: recovery finishes it).
 */
export const rollBackRecord = async (ctx: StoreContext, rec: TxRecord): Promise<void> => {
  await settleReplays(ctx, [await replayRecord(ctx, rec, { plan: planRollBack(rec) })]);
};
