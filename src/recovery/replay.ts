/**
 * Runs recovery plans: observes what the disk holds of a record's files, performs the planned steps (each one
 * tolerating what an interrupted earlier recovery already did), fsyncs the directories, and returns the journal
 * writes that make the record final — written by the caller only after everything they describe is durable.
 */
import * as path from 'node:path';
import { hasCode } from '../errors.js';
import { hashFile } from '../integrity/sha256.js';
import type { JournalTxn } from '../journal/journal.js';
import type { StoreContext } from '../transaction/context.js';
import { commitWrites, removeDurably } from '../transaction/finish.js';
import { absOf } from '../transaction/paths.js';
import { allOrFirstError, backupAbs } from '../transaction/stage.js';
import { putTx, type OpRecord, type TxRecord } from '../journal/records/txRecord.js';
import { planRecovery, type Loc, type OpObservation, type RecoveryPlan } from './plan.js';

/** Absolute path of a Loc. */
export const locPath = (ctx: StoreContext, l: Loc): string => (l.base === 'root' ? absOf(ctx.root, l.rel) : backupAbs(ctx, l.rel));

const exists = async (ctx: StoreContext, abs: string): Promise<boolean> => {
  try {
    await ctx.env.fs.lstat(abs);
    return true;
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return false;
    throw e;
  }
};

/** True when the file at `abs` holds exactly `content`. */
const holds = async (ctx: StoreContext, abs: string, content: OpRecord['staged']): Promise<boolean> => {
  if (content === undefined) return false;
  try {
    const st = await ctx.env.fs.lstat(abs);
    return st.kind === 'file' && st.size === content.size && (await hashFile(ctx.env.fs, abs)) === content.sha256;
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return false;
    throw e;
  }
};

/** What the disk shows of one operation of `rec`. */
const observeOp = async (ctx: StoreContext, op: OpRecord): Promise<OpObservation> => {
  const target = absOf(ctx.root, op.target);
  const tempValid = op.temp !== undefined && (await holds(ctx, absOf(ctx.root, op.temp), op.staged));
  return {
    tempValid,
    targetIsNew: !tempValid && (await holds(ctx, target, op.staged)),
    backupPresent: op.backup !== undefined && (await exists(ctx, backupAbs(ctx, op.backup))),
    sourceBackupPresent: op.sourceBackup !== undefined && (await exists(ctx, backupAbs(ctx, op.sourceBackup))),
    dirPresent: op.kind === 'mkdir' && (await exists(ctx, target)),
  };
};

/** Observes every operation of a `committing` record (other states need no observation). */
export const observe = async (ctx: StoreContext, rec: TxRecord): Promise<OpObservation[]> =>
  rec.state === 'committing' ? Promise.all(rec.ops.map((op) => observeOp(ctx, op))) : [];

const tolerate = async (f: () => Promise<void>, ...codes: string[]): Promise<boolean> => {
  try {
    await f();
    return true;
  } catch (e) {
    if (hasCode(e, ...codes)) return false;
    throw e;
  }
};

/** What replaying one record did. */
export interface ReplayResult {
  readonly plan: RecoveryPlan;
  readonly tempFilesRemoved: number;
  /** The journal writes that make the record final; apply them once the directories are synced. */
  readonly finish: (txn: JournalTxn) => void;
  /** Directories to fsync before the finishing journal write. */
  readonly dirs: readonly string[];
  /** Files to remove (durably) once `dirs` are synced, before the finishing journal write. */
  readonly cleanup: readonly string[];
}

/**
 * Plans (unless `options.plan` is given) and performs the file steps of recovering `rec` (the directory fsyncs and the
 * journal write are `settleReplays`', so that many records share them). A roll-back from backups is first made sticky in the journal, durably.
 * @throws TxfsError EIO, EACCES … (the record stays open; the next recovery starts over from what is on disk).
 */
export const replayRecord = async (ctx: StoreContext, rec: TxRecord, options: { readonly plan?: RecoveryPlan } = {}): Promise<ReplayResult> => {
  const { fs, journal } = ctx.env;
  const plan = options.plan ?? planRecovery(rec, await observe(ctx, rec));
  let tempFilesRemoved = 0;
  let current = rec;
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'markRollBack':
        current = { ...current, rollBack: true };
        await journal.transact((txn) => putTx(txn, current));
        await journal.flush();
        break;
      case 'rename':
        await tolerate(() => fs.rename(locPath(ctx, step.from), locPath(ctx, step.to)), 'ENOENT');
        break;
      case 'restore': {
        // A link left by an interrupted earlier recovery is the same backup: use it.
        const linked = await tolerate(() => fs.link(locPath(ctx, step.backup), locPath(ctx, step.temp)), 'ENOENT', 'EEXIST');
        if (linked || (await exists(ctx, locPath(ctx, step.temp)))) await tolerate(() => fs.rename(locPath(ctx, step.temp), locPath(ctx, step.target)), 'ENOENT');
        break;
      }
      case 'unlink':
        if ((await tolerate(() => fs.unlink(locPath(ctx, step.path)), 'ENOENT')) && step.temp === true) tempFilesRemoved++;
        break;
      case 'mkdir':
        await tolerate(() => fs.mkdir(locPath(ctx, step.path)), 'EEXIST');
        break;
      case 'rmdir':
        await tolerate(() => fs.rmdir(locPath(ctx, step.path)), 'ENOENT', 'ENOTEMPTY', 'EEXIST');
        break;
      default: {
        const never: never = step;
        throw new TypeError(`unknown recovery step ${JSON.stringify(never)}`);
      }
    }
  }
  const dirs = plan.syncDirs.map((d) => locPath(ctx, d));
  const cleanup = plan.cleanup.map((l) => locPath(ctx, l));
  const now = ctx.env.now();
  const finish = (txn: JournalTxn): void => {
    if (plan.outcome === 'rolled-back') putTx(txn, { ...current, state: 'rolled-back', finishedAt: now });
    else if (plan.outcome === 'closed') putTx(txn, current, { keepOpen: false });
    else commitWrites(txn, { ...current, state: 'committed', finishedAt: now });
  };
  return { plan, tempFilesRemoved, dirs, cleanup, finish };
};

/** Fsyncs each directory once; a directory that no longer exists (an rmdir'd one) needs none. */
export const syncDirsOnce = async (ctx: StoreContext, dirs: readonly string[]): Promise<void> => {
  await allOrFirstError([...new Set(dirs.map((d) => path.resolve(d)))].map((d) => tolerate(() => ctx.env.fs.syncDir(d), 'ENOENT')));
};

/** Recovery's durable point as a table, so that a test can replace it (the crash suite's deliberately broken recovery). */
export interface RecoverySteps {
  /** Fsyncs the directories of the replayed steps, before anything else of the records goes (`syncDirsOnce`). */
  readonly syncDirs: (ctx: StoreContext, dirs: readonly string[]) => Promise<void>;
}

/** The correct table. */
export const recoverySteps: RecoverySteps = { syncDirs: syncDirsOnce };

/**
 * Makes replayed records final: one fsync per directory of every record; only then may the backups that protected
 * them go (durably); then one journal transaction with every record's final word.
 * @throws TxfsError EIO … (the records stay open; the next recovery starts over from what is on disk), EJOURNAL.
 */
export const settleReplays = async (ctx: StoreContext, results: readonly ReplayResult[], steps: RecoverySteps = recoverySteps): Promise<void> => {
  await steps.syncDirs(ctx, results.flatMap((r) => r.dirs));
  await removeDurably(ctx, results.flatMap((r) => r.cleanup));
  await ctx.env.journal.transact((txn) => {
    for (const r of results) r.finish(txn);
  });
};
