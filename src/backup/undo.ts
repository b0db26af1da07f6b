/**
 * Undoing a committed transaction: one new transaction that puts every file it touched back as it was, from the
 * backups it kept — and refuses (ECONFLICT) when a file has changed since, rather than lose the later change.
 */
import * as path from 'node:path';
import { TxfsError } from '../errors.js';
import type { StoreCore } from '../storeExtensions.js';
import type { StoreContext } from '../transaction/context.js';
import { backupRecordOf } from '../transaction/finish.js';
import { decodeTx, txKey, type OpRecord, type TxRecord } from '../transaction/txRecord.js';
import type { Tx, TxOptions, TxResult } from '../types.js';
import { listBackupRecords, toBackupEntry, type BackupRecord } from './backupIndex.js';
import { missingParents } from './backups.js';
import { readBackup } from './readBackup.js';
import { recordUndo } from './undoLinks.js';

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
    for (const d of await missingParents(ctx, rel)) {
      if (!dirs.has(d)) tx.mkdir(d);
      dirs.add(d);
    }
    tx.writeFile(rel, readBackup(ctx.env.fs, toBackupEntry(bk, ctx.backupDir)));
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
      // A directory the transaction created stays: it may hold files written since.
      return;
  }
};

/**
 * Undoes the committed transaction `txId` in one new transaction (labelled `undo <txId>` unless `options.label`):
 * files it wrote or replaced get their kept backups back (checked against their SHA-256), files it created are
 * deleted (into the backup store), deleted files come back, renames are reversed. The undo is itself undoable.
 * @throws TxfsError ENOENT (no such transaction, or a needed backup is gone), EINVAL (the transaction is not
 *   committed), ECONFLICT (a file changed since the transaction; nothing is touched), EINTEGRITY (a corrupted backup),
 *   ELOCKED, EJOURNAL, or an OS error.
 * @example await store.undo(result.id);
 */
export const undoTransaction = async (ctx: StoreContext, core: StoreCore, txId: string, options: TxOptions = {}): Promise<TxResult<void>> => {
  const raw = await ctx.env.journal.get(txKey(txId));
  if (raw === undefined) throw new TxfsError('ENOENT', `ENOENT: there is no transaction ${txId}; see \`txfs log\` for the ids`);
  const rec = decodeTx(txKey(txId), raw);
  if (rec.state !== 'committed') {
    throw new TxfsError('EINVAL', `EINVAL: transaction ${txId} is ${rec.state}, not committed: there is nothing to undo`);
  }
  const tx = core.begin({ ...options, label: options.label ?? `undo ${txId}` });
  const ops = rec.ops.map((op, index) => ({ op, index })).filter(({ op }) => op.skipped !== true).reverse();
  const dirs = new Set<string>();
  try {
    for (const { op, index } of ops) await undoOp(ctx, tx, rec, op, index, dirs);
  } catch (e) {
    await tx.rollback();
    throw e;
  }
  const result = await tx.commit();
  if (result.status === 'committed') await recordUndo(ctx.env, txId, result.id);
  return result;
};
