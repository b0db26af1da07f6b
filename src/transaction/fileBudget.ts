/**
 * How many files a transaction works on at once. A transaction may name thousands of files; opening a temp, a backup
 * or a file to hash for each of them at the same time would run into the open-file limit (EMFILE) however the limit
 * is set. Every step that opens one file per operation runs its jobs within a budget of `MAX_FILES_AT_ONCE` slots.
 */
import type { StoreContext } from './context.js';
import type { PlannedOp } from './plannedOp.js';

/**
 * The slots of one budget. Each job holds a few descriptors for a moment (its temp or backup, a copy's source, a
 * directory on the way), so a transaction of any size stays well below the open-file limit (`ulimit -n`: 1024 by
 * default, as little as 64 in some containers, a third of which the runtime and the journal already use). More would
 * gain nothing: Node runs file system calls on four threads.
 */
export const MAX_FILES_AT_ONCE = 8;

/** Runs a job in one of a fixed number of slots, waiting for a free one first. */
export type Budget = <A>(job: () => Promise<A>) => Promise<A>;

/** A budget of `size` slots, handed out in the order asked for. */
export const budget = (size: number): Budget => {
  let free = size;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await job();
    } finally {
      // The slot passes straight to the next waiter, if any.
      const next = waiting.shift();
      if (next === undefined) free++;
      else next();
    }
  };
};

const byOps = new WeakMap<readonly PlannedOp[], Budget>();
const byStore = new WeakMap<StoreContext, Budget>();

/** The budget of the transaction planned as `ops`: steps 3 (stage) and 4 (protect) run at the same time and share it. */
export const transactionBudget = (ops: readonly PlannedOp[]): Budget => {
  let b = byOps.get(ops);
  if (b === undefined) byOps.set(ops, (b = budget(MAX_FILES_AT_ONCE)));
  return b;
};

/** The budget of a store's work before a transaction is planned (hashing the files it names as they are added). */
export const storeBudget = (ctx: StoreContext): Budget => {
  let b = byStore.get(ctx);
  if (b === undefined) byStore.set(ctx, (b = budget(MAX_FILES_AT_ONCE)));
  return b;
};

/**
 * Runs `job` on each item within budget `b`; once one has failed, the jobs not yet started are dropped. Every job
 * started has settled when it returns; then it throws the first failure in item order.
 */
export const eachWithin = async <A>(b: Budget, items: readonly A[], job: (item: A) => Promise<unknown>): Promise<void> => {
  let failed = false;
  const settled = await Promise.allSettled(
    items.map((item) =>
      b(async () => {
        if (failed) return;
        try {
          await job(item);
        } catch (e) {
          failed = true;
          throw e;
        }
      }),
    ),
  );
  const first = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (first !== undefined) throw first.reason;
};
