/**
 * The two ways a transaction record becomes final: `committed` (step 9: manifest and backup index updated in
 * the same journal transaction) and `rolled-back` (before the commit point: everything it created removed).
 * Both work from the journal record alone, so recovery finishes an interrupted transaction the same way.
 */
import * as path from 'node:path';
import { indexBackup, type BackupRecord } from '../backup/backupIndex.js';
import { hasCode } from '../errors.js';
import type { FileStat } from '../fs/fileSystem.js';
import type { JournalTxn } from '../journal/journal.js';
import type { StoreContext } from './context.js';
import { releaseIn } from './lockAndIntend.js';
import { absOf } from './paths.js';
import { allOrFirstError, backupAbs } from './stage.js';
import { manifestKey, openKey, putManifest, putTx, type OpRecord, type TxRecord } from '../journal/records/txRecord.js';

const unlinkIfPresent = async (ctx: StoreContext, abs: string): Promise<boolean> => {
  try {
    await ctx.env.fs.unlink(abs);
    return true;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return false;
    throw e;
  }
};

/** Removes `files` (ENOENT is fine) and fsyncs their directories, so that no removal can come back after a crash. */
export const removeDurably = async (ctx: StoreContext, files: readonly string[]): Promise<number> => {
  const removed = await Promise.all(files.map((f) => unlinkIfPresent(ctx, f)));
  await allOrFirstError([...new Set(files.map((f) => path.dirname(f)))].map((d) => ctx.env.fs.syncDir(d).catch((e: unknown) => {
    if (!hasCode(e, 'ENOENT')) throw e;
  })));
  return removed.filter(Boolean).length;
};

/** True when the backup of `op`'s target is indexed (kept) when it commits. */
export const keepsBackup = (op: OpRecord): boolean => op.skipped !== true && op.keepBackup === true && op.backupContent !== undefined;

/** Backups that only protected the transaction: removed once it is committed. */
export const transientBackups = (ctx: StoreContext, rec: TxRecord): string[] =>
  rec.ops.flatMap((op) => [
    ...(op.backup !== undefined && op.backupContent !== undefined && !keepsBackup(op) ? [op.backup] : []),
    ...(op.sourceBackup === undefined ? [] : [op.sourceBackup]),
  ]).map((b) => backupAbs(ctx, b));

/** The index record of `op`'s kept backup. */
export const backupRecordOf = (rec: TxRecord, op: OpRecord, index: number): BackupRecord | undefined =>
  op.backup === undefined || op.backupContent === undefined || !keepsBackup(op)
    ? undefined
    : {
        v: 1,
        id: `${rec.id}-${index}`,
        path: op.target,
        file: op.backup,
        createdAt: op.backupAt ?? rec.startedAt,
        size: op.backupContent.size,
        sha256: op.backupContent.sha256,
        compressed: false,
        reason: op.kind === 'delete' ? 'deleted' : 'replaced',
        txId: rec.id,
      };

/**
 * Writes committed `rec` with its manifest and backup-index consequences (inside a journal transaction); the
 * record stays open while `keepOpen` (transient backups still to remove).
 */
export const commitWrites = (txn: JournalTxn, rec: TxRecord, stats: ReadonlyMap<string, FileStat>, keepOpen: boolean): void => {
  putTx(txn, rec, keepOpen);
  for (const [i, op] of rec.ops.entries()) {
    if (op.skipped === true) continue;
    if (op.staged !== undefined) {
      const st = stats.get(op.target);
      putManifest(txn, op.target, { v: 1, sha256: op.staged.sha256, size: op.staged.size, txId: rec.id, ...(st === undefined ? {} : { mtimeMs: st.mtimeMs, ino: st.ino }) });
    }
    if (op.kind === 'delete') txn.remove(manifestKey(op.target));
    if (op.kind === 'rename' && op.source !== undefined) txn.remove(manifestKey(op.source));
    const b = backupRecordOf(rec, op, i);
    if (b !== undefined) indexBackup(txn, b);
  }
};

/**
 * Step 9: marks `rec` committed with its manifest and backup-index entries in one journal transaction (no flush:
 * recovery would redo it) that also releases its `locks`, then removes the transient backups. Idempotent.
 * @throws TxfsError EJOURNAL, or an OS error removing a transient backup (the record stays open for recovery).
 */
export const finishCommitted = async (ctx: StoreContext, rec: TxRecord, stats: ReadonlyMap<string, FileStat> = new Map(), locks: readonly string[] = []): Promise<TxRecord> => {
  const done: TxRecord = { ...rec, state: 'committed', finishedAt: ctx.env.now() };
  const transient = transientBackups(ctx, rec);
  await ctx.env.journal.transact((txn) => {
    commitWrites(txn, done, stats, transient.length > 0);
    releaseIn(txn, rec.id, locks);
  });
  if (transient.length > 0) {
    await removeDurably(ctx, transient);
    await ctx.env.journal.transact((txn) => txn.remove(openKey(rec.id)));
  }
  return done;
};

/** Everything a staging transaction may have created: temps and backups (absolute). */
export const createdFiles = (ctx: StoreContext, rec: TxRecord): string[] =>
  rec.ops.flatMap((op) => [
    ...(op.temp === undefined ? [] : [absOf(ctx.root, op.temp)]),
    ...(op.backup === undefined ? [] : [backupAbs(ctx, op.backup)]),
    ...(op.sourceBackup === undefined ? [] : [backupAbs(ctx, op.sourceBackup)]),
  ]);

/**
 * Rolls back a transaction that did not reach its commit point: removes its temps and backups (durably), the
 * directories its `mkdir`s created (when still empty), and marks it rolled-back. Idempotent.
 * Returns how many temp files were removed. @throws TxfsError EIO … (the record stays open for recovery).
 */
export const undoStaged = async (ctx: StoreContext, rec: TxRecord): Promise<number> => {
  const temps = rec.ops.flatMap((op) => (op.temp === undefined ? [] : [absOf(ctx.root, op.temp)]));
  const removedTemps = await removeDurably(ctx, temps);
  await removeDurably(ctx, createdFiles(ctx, rec).filter((f) => !temps.includes(f)));
  for (const op of [...rec.ops].reverse()) {
    if (op.kind !== 'mkdir' || op.existed) continue;
    try {
      await ctx.env.fs.rmdir(absOf(ctx.root, op.target));
    } catch (e) {
      if (!hasCode(e, 'ENOENT', 'ENOTEMPTY', 'EEXIST')) throw e;
    }
  }
  await ctx.env.journal.transact((txn) => putTx(txn, { ...rec, state: 'rolled-back', finishedAt: ctx.env.now() }, false));
  return removedTemps;
};
