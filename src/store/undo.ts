/**
 * Undoing a committed transaction: one new transaction that puts every file it touched back as it was, from the
 * backups it kept — and refuses (ECONFLICT) when a file has changed since, rather than lose the later change.
 */
import * as path from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { StoreContext } from '../transaction/context.js';
import { backupRecordOf } from '../transaction/finish.js';
import { decodeTx, txKey, type OpRecord, type TxRecord } from '../journal/records/txRecord.js';
import type { Store, Tx, TxOptions, TxResult } from '../types.js';
import { listBackupRecords } from '../backup/backupIndex.js';
import { type BackupRecord } from '../journal/records/backupRecord.js';
import { missingParents } from '../ops/missingParents.js';
import { readIndexedBackup } from '../backup/readIndexedBackup.js';
import { readUndoLinks, recordUndo } from './undoLinks.js';

const absOf = (ctx: StoreContext, rel: string): string => path.join(ctx.root, ...rel.split('/'));

/** The kept backup of `op`'s target, as the index has it now (it may have been compressed). */
const keptBackup = async (ctx: StoreContext, rec: TxRecord, op: OpRecord, index: number): Promise<BackupRecord> => {
  const id = backupRecordOf(rec, op, index)?.id;
  const found = id === undefined ? undefined : (await listBackupRecords(ctx.env, op.target)).find((r) => r.id === id);
  if (found !== undefined) return found;
  throw new TxfsError(
    'ENOENT',
    `ENOENT: cannot undo transaction ${rec.id}: the version of ${op.target} it replaced was not kept (written without a backup, or pruned since)`,
    { path: op.target },
  );
};

/** Adds to `tx` what puts `op`'s files back; `expect`s pin what the transaction left, so a later change is a conflict. */
const undoOp = async (ctx: StoreContext, tx: Tx, rec: TxRecord, op: OpRecord, index: number, dirs: Set<string>): Promise<void> => {
  const left = op.staged === undefined ? 'unchanged' : { sha256: op.staged.sha256 };
  const restore = async (rel: string): Promise<void> => {
    const bk = await keptBackup(ctx, rec, op, index);
    for (const d of await missingParents(ctx.env.fs, ctx.root, rel)) {
      if (!dirs.has(d)) tx.mkdir(d);
      dirs.add(d);
    }
    tx.writeFile(rel, readIndexedBackup({ env: ctx.env, backupDir: ctx.backupDir }, bk));
  };
  switch (op.kind) {
    case 'write':
    case 'copy':
      tx.expect(op.target, left);
      if (op.existed) await restore(op.target);
      else tx.delete(op.target);
      return;
    case 'delete':
      tx.expect(op.target, 'absent');
      await restore(op.target);
      return;
    case 'rename': {
      const source = op.source;
      if (source === undefined) return;
      tx.expect(op.target, left).expect(source, 'absent');
      if (!op.existed) {
        tx.rename(op.target, source);
        return;
      }
      // The target had a file of its own: the moved content goes back to the source, the target gets its old version.
      tx.writeFile(source, ctx.env.fs.readStream(absOf(ctx, op.target)));
      await restore(op.target);
      return;
    }
    case 'mkdir':
      // Not part of the undo transaction: `removeCreatedDirs` takes such a directory away afterwards, if empty.
      return;
  }
};

/** Whether `rel` exists now. Throws the OS error of a failed lstat other than ENOENT. */
const exists = async (ctx: StoreContext, rel: string): Promise<boolean> => {
  try {
    await ctx.env.fs.lstat(absOf(ctx, rel));
    return true;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return false;
    throw e;
  }
};

/**
 * Refuses, before anything is planned, an undo of a file that appeared or disappeared since the transaction: as a
 * step of the undo, deleting a file that is gone would say ENOENT, not what it means — a later change.
 * (A changed content is caught at the commit point, by the `expect`s.)
 * @throws TxfsError ECONFLICT (`conflict` of kind 'changed'), or the OS error of a failed lstat.
 */
const checkPresence = async (ctx: StoreContext, rec: TxRecord, ops: ReadonlyArray<{ op: OpRecord }>): Promise<void> => {
  const left = ops.flatMap(({ op }): Array<[string, boolean]> => {
    if (op.kind === 'mkdir') return [];
    if (op.kind === 'delete') return [[op.target, false]];
    return op.kind === 'rename' && op.source !== undefined ? [[op.target, true], [op.source, false]] : [[op.target, true]];
  });
  for (const [rel, present] of left) {
    if ((await exists(ctx, rel)) === present) continue;
    throw new TxfsError('ECONFLICT', `ECONFLICT: cannot undo transaction ${rec.id}: ${rel} was ${present ? 'deleted' : 'created'} since; nothing was touched`, {
      path: rel,
      conflict: { kind: 'changed', path: rel },
    });
  }
};

/**
 * The transaction that undid `txId` and is itself still in effect, if any. An undo that was undone in turn
 * (a redo) puts `txId`'s changes back, so `txId` may be undone again: the chain of undo links decides by parity.
 */
const undoneBy = async (ctx: StoreContext, txId: string): Promise<string | undefined> => {
  const links = await readUndoLinks(ctx.env);
  let by: string | undefined;
  const seen = new Set<string>();
  for (let cur = links.undoneBy.get(txId); cur !== undefined && !seen.has(cur); cur = links.undoneBy.get(cur)) {
    seen.add(cur);
    by = by === undefined ? cur : undefined;
  }
  return by;
};

/**
 * Removes the directories the undone transaction created, innermost first, each only when empty: one that holds
 * a file (written since, or by someone else) stays. Outside the undo transaction and without an fsync: a crash
 * here leaves, at worst, an empty directory. The undo has committed by then, so a failed rmdir (EIO, EACCES …)
 * must not report it as failed: it is logged as a warning and the directory stays.
 */
const removeCreatedDirs = async (ctx: StoreContext, rec: TxRecord): Promise<void> => {
  for (const op of [...rec.ops].reverse()) {
    if (op.kind !== 'mkdir' || op.existed || op.skipped === true) continue;
    try {
      await ctx.env.fs.rmdir(absOf(ctx, op.target));
    } catch (e) {
      if (!hasCode(e, 'ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR')) ctx.logger?.warn({ err: e, txId: rec.id, path: op.target }, 'undo: could not remove a directory the transaction created');
    }
  }
};

/**
 * Undoes the committed transaction `txId` in one new transaction (labelled `undo <txId>` unless `options.label`):
 * files it wrote or replaced get their kept backups back (checked against their SHA-256), files it created are
 * deleted (into the backup store), deleted files come back, renames are reversed; directories it created go too,
 * when the undo leaves them empty. The undo is itself undoable (undoing an undo redoes the transaction).
 * @throws TxfsError ENOENT (no such transaction, or a needed backup is gone), EINVAL (the transaction is not
 *   committed), ECONFLICT (a file changed, appeared or disappeared since the transaction; or the transaction was
 *   already undone and that undo still stands — "transaction X was already undone by Y"; nothing is touched),
 *   EINTEGRITY (a corrupted backup), ELOCKED, EJOURNAL, or an OS error.
 * @example await store.undo(result.id);
 */
export const undoTransaction = async (ctx: StoreContext, begin: Store['begin'], txId: string, options: TxOptions = {}): Promise<TxResult<void>> => {
  const raw = await ctx.env.journal.get(txKey(txId));
  if (raw === undefined) throw new TxfsError('ENOENT', `ENOENT: there is no transaction ${txId}; see \`txfs log\` for the ids`);
  const rec = decodeTx(txKey(txId), raw);
  if (rec.state !== 'committed') {
    throw new TxfsError('EINVAL', `EINVAL: transaction ${txId} is ${rec.state}, not committed: there is nothing to undo`);
  }
  const by = await undoneBy(ctx, txId);
  if (by !== undefined) {
    throw new TxfsError('ECONFLICT', `ECONFLICT: transaction ${txId} was already undone by ${by}; to redo it, undo ${by}`);
  }
  const ops = rec.ops.map((op, index) => ({ op, index })).filter(({ op }) => op.skipped !== true).reverse();
  await checkPresence(ctx, rec, ops);
  const tx = begin({ ...options, label: options.label ?? `undo ${txId}` });
  const dirs = new Set<string>();
  try {
    for (const { op, index } of ops) await undoOp(ctx, tx, rec, op, index, dirs);
  } catch (e) {
    await tx.rollback();
    throw e;
  }
  const result = await tx.commit();
  if (result.status === 'committed') {
    await recordUndo(ctx.env, txId, result.id);
    await removeCreatedDirs(ctx, rec);
  }
  return result;
};
