/**
 * Steps 7 (apply) and 8 (make durable) of the commit protocol: after the commit point, the renames and
 * unlinks as the caller's order would leave them (unrelated paths at once), then one fsync per distinct parent
 * directory.
 */
import * as path from 'node:path';
import type { FileStat } from '../fs/fileSystem.js';
import { syncDirBatched } from '../ops/syncDirBatched.js';
import type { StoreContext } from './context.js';
import type { PlannedOp } from './plannedOp.js';
import { eachWithin, transactionBudget } from './fileBudget.js';
import { allOrFirstError } from './stage.js';

/** The paths an applied operation changes: its target, and the source a rename takes away. */
const changedBy = (op: PlannedOp): string[] => [op.target.abs, ...(op.kind === 'rename' && op.source !== undefined ? [op.source.abs] : [])];

/**
 * `ops` cut into runs, in order, within which no two operations change the same path or one below another's: the
 * operations of a run can be applied in any order (or at once) and leave what the caller's order leaves.
 */
export const independentRuns = (ops: readonly PlannedOp[]): PlannedOp[][] => {
  const runs: PlannedOp[][] = [];
  let run: PlannedOp[] = [];
  let changed = new Set<string>();
  let above = new Set<string>();
  const clashes = (p: string): boolean => {
    if (changed.has(p) || above.has(p)) return true;
    for (let d = path.dirname(p); d !== path.dirname(d); d = path.dirname(d)) if (changed.has(d)) return true;
    return false;
  };
  for (const op of ops) {
    if (op.skipped) continue;
    const paths = changedBy(op);
    if (paths.some(clashes)) {
      runs.push(run);
      run = [];
      changed = new Set<string>();
      above = new Set<string>();
    }
    run.push(op);
    for (const p of paths) {
      changed.add(p);
      for (let d = path.dirname(p); d !== path.dirname(d); d = path.dirname(d)) above.add(d);
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
};

/**
 * Step 7: puts each staged temp in place (`rename(2)` over the target: atomic) and unlinks what is deleted or
 * renamed away, as the caller's order would: operations on unrelated paths at the same time (within the
 * transaction's file budget), one that touches a path an earlier one touched only after it. Stops at the first error:
 * what was started settles, nothing more starts (recovery finishes the transaction).
 * @throws TxfsError EIO, EACCES … from rename/unlink.
 */
export const applyOps = async (ctx: StoreContext, ops: readonly PlannedOp[]): Promise<void> => {
  const { fs } = ctx.env;
  // The budget staging and protecting used: all of it free again by now.
  const slots = transactionBudget(ops);
  for (const run of independentRuns(ops)) {
    await eachWithin(slots, run, async (op) => {
      if (op.temp !== undefined) await fs.rename(op.temp, op.target.abs);
      if (op.kind === 'rename' && op.source !== undefined) await fs.unlink(op.source.abs);
      if (op.kind === 'delete') await fs.unlink(op.target.abs);
    });
  }
};

/** The directories whose entries the applied operations changed (each once). */
export const touchedDirs = (ops: readonly PlannedOp[]): string[] => {
  const dirs = new Set<string>();
  for (const op of ops) if (!op.skipped) for (const p of changedBy(op)) dirs.add(path.dirname(p));
  return [...dirs];
};

/**
 * Step 8: fsyncs each directory whose entries changed, once, in parallel (unless `options.sync` is false), and gives
 * the manifest the stat of each new file: its temp's, as staged (`PlannedOp.stagedStat`), not what the target's name
 * leads to now (an op staged without one is lstat'ed in place). An fsync error is never retried: it is thrown (the
 * transaction stays `committing`).
 * @throws TxfsError EIO … from the directory fsync or the stat.
 */
export const makeDurable = async (ctx: StoreContext, ops: readonly PlannedOp[], { sync }: { readonly sync: boolean }): Promise<Map<string, FileStat>> => {
  const { fs } = ctx.env;
  const stats = new Map<string, FileStat>();
  const statJobs = ops
    .filter((op) => !op.skipped && op.temp !== undefined)
    .map(async (op) => {
      stats.set(op.target.rel, op.stagedStat ?? (await fs.lstat(op.target.abs)));
    });
  // Concurrent transactions in one directory share its fsyncs (group commit); a failed one fails each of them.
  const syncJobs = sync ? touchedDirs(ops).map((d) => syncDirBatched(fs, d)) : [];
  await allOrFirstError([...syncJobs, ...statJobs]);
  return stats;
};
