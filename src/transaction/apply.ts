/**
 * Steps 7 (apply) and 8 (make durable) of the commit protocol: after the commit point, the renames and
 * unlinks in the caller's order, then one fsync per distinct parent directory.
 */
import * as path from 'node:path';
import type { FileStat } from '../fs/fileSystem.js';
import { syncDirBatched } from '../ops/syncDirBatched.js';
import type { StoreContext } from './context.js';
import type { PlannedOp } from './plannedOp.js';
import { allOrFirstError } from './stage.js';

/**
 * Step 7: puts each staged temp in place (`rename(2)` over the target: atomic) and unlinks what is deleted or
 * renamed away, in the caller's order. Stops at the first error (recovery finishes the transaction).
 * @throws TxfsError EIO, EACCES … from rename/unlink.
 */
export const applyOps = async (ctx: StoreContext, ops: readonly PlannedOp[]): Promise<void> => {
  const { fs } = ctx.env;
  for (const op of ops) {
    if (op.skipped) continue;
    if (op.temp !== undefined) await fs.rename(op.temp, op.target.abs);
    if (op.kind === 'rename' && op.source !== undefined) await fs.unlink(op.source.abs);
    if (op.kind === 'delete') await fs.unlink(op.target.abs);
  }
};

/** The directories whose entries the applied operations changed (each once). */
export const touchedDirs = (ops: readonly PlannedOp[]): string[] => {
  const dirs = new Set<string>();
  for (const op of ops) {
    if (op.skipped) continue;
    dirs.add(path.dirname(op.target.abs));
    if (op.source !== undefined && op.kind === 'rename') dirs.add(path.dirname(op.source.abs));
  }
  return [...dirs];
};

/**
 * Step 8: fsyncs each directory whose entries changed, once, in parallel (unless `options.sync` is false), and stats
 * each new file for the manifest. An fsync error is never retried: it is thrown (the transaction stays `committing`).
 * @throws TxfsError EIO … from the directory fsync or the stat.
 */
export const makeDurable = async (ctx: StoreContext, ops: readonly PlannedOp[], { sync }: { readonly sync: boolean }): Promise<Map<string, FileStat>> => {
  const { fs } = ctx.env;
  const stats = new Map<string, FileStat>();
  const statJobs = ops
    .filter((op) => !op.skipped && op.temp !== undefined)
    .map(async (op) => {
      stats.set(op.target.rel, await fs.lstat(op.target.abs));
    });
  // Concurrent transactions in one directory share its fsyncs (group commit); a failed one fails each of them.
  const syncJobs = sync ? touchedDirs(ops).map((d) => syncDirBatched(fs, d)) : [];
  await allOrFirstError([...syncJobs, ...statJobs]);
  return stats;
};
