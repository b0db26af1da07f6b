/**
 * How a transaction record becomes `committed` (step 9: manifest and backup index updated in the same journal
 * transaction), from the journal record alone, so that recovery finishes an interrupted transaction the same way.
 * (Rolling back is recovery's plan: `recovery/rollBack.ts`.)
 */
import * as path from 'node:path';
import { currentCopiesIn, indexBackup, unindexBackup } from '../backup/backupIndex.js';
import { recordPendingRemoval, unlinkPending } from '../backup/pendingRemoval.js';
import { supersedeCurrent } from '../backup/supersede.js';
import type { BackupRecord } from '../journal/records/backupRecord.js';
import { hasCode } from '../errors.js';
import type { FileStat } from '../fs/fileSystem.js';
import { unlinkIfPresent } from '../fs/unlinkIfPresent.js';
import type { JournalTxn } from '../journal/journal.js';
import { keepsBackup, manifestKey, openKey, putManifest, putTx, transientBackups, type ManifestEntry, type OpRecord, type TxRecord } from '../journal/records/txRecord.js';
import type { StoreContext } from './context.js';
import { releaseIn } from './locks.js';
import { allOrFirstError, backupAbs } from './stage.js';

/** Removes `files` (ENOENT is fine) and fsyncs their directories, so that no removal can come back after a crash. */
export const removeDurably = async (ctx: StoreContext, files: readonly string[]): Promise<number> => {
  const removed = await Promise.all(files.map((f) => unlinkIfPresent(ctx.env.fs, f)));
  await allOrFirstError([...new Set(files.map((f) => path.dirname(f)))].map((d) => ctx.env.fs.syncDir(d).catch((e: unknown) => {
    if (!hasCode(e, 'ENOENT')) throw e;
  })));
  return removed.filter(Boolean).length;
};

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
        ...(op.backupDamaged === true ? { damaged: true } : {}),
      };

/**
 * What committing `rec` writes to the manifest, in order: a path's new entry, or undefined where its entry goes.
 * `stats`: the new files' stats (see `CommitWriteOptions`).
 */
export const manifestWrites = (rec: TxRecord, stats: ReadonlyMap<string, FileStat> = new Map()): Array<readonly [string, ManifestEntry | undefined]> =>
  rec.ops.flatMap((op): Array<readonly [string, ManifestEntry | undefined]> => {
    if (op.skipped === true) return [];
    const st = stats.get(op.target);
    return [
      ...(op.staged === undefined
        ? []
        : [[op.target, { v: 1, sha256: op.staged.sha256, size: op.staged.size, txId: rec.id, ...(st === undefined ? {} : { mtimeMs: st.mtimeMs, ino: st.ino }) }] as const]),
      ...(op.kind === 'delete' ? [[op.target, undefined] as const] : []),
      ...(op.kind === 'rename' && op.source !== undefined ? [[op.source, undefined] as const] : []),
    ];
  });

/** What a commit's journal writes are given beside the record. */
export interface CommitWriteOptions {
  /** The new files' stats (mtime, inode), kept in the manifest so that a later fingerprint can trust it. */
  readonly stats?: ReadonlyMap<string, FileStat>;
  /** The record stays open (transient backups still to remove). */
  readonly keepOpen?: boolean;
}

/**
 * Writes committed `rec` with its manifest and backup-index consequences (inside a journal transaction), kept copies of
 * current versions included (`supersedeCurrent`). Returns the kept copies it took out of the index, each named by a
 * pending-removal record: the caller removes their files (`unlinkPending`), or the next open of the store does.
 */
export const commitWrites = (txn: JournalTxn, rec: TxRecord, { stats = new Map(), keepOpen = false }: CommitWriteOptions = {}): BackupRecord[] => {
  // Read before this transaction's own entries are written: the copies that were current until now.
  const copies = supersedeCurrent(rec, (rel) => currentCopiesIn(txn, rel));
  putTx(txn, rec, { keepOpen });
  for (const [rel, entry] of manifestWrites(rec, stats)) {
    if (entry === undefined) txn.remove(manifestKey(rel));
    else putManifest(txn, rel, entry);
  }
  for (const [i, op] of rec.ops.entries()) {
    if (op.skipped === true) continue;
    const b = backupRecordOf(rec, op, i);
    if (b !== undefined) indexBackup(txn, b);
  }
  for (const r of copies.rekey) unindexBackup(txn, r);
  for (const r of copies.discard) {
    unindexBackup(txn, r);
    recordPendingRemoval(txn, r);
  }
  for (const r of copies.put) indexBackup(txn, r);
  return [...copies.discard];
};

/**
 * Step 9: marks `rec` committed with its manifest and backup-index entries in one journal transaction (no flush:
 * recovery would redo it) that also releases its `locks`, then removes the transient backups. Idempotent.
 * `ride` (on a journal of the store's own): that transaction rides on the next commit (`ctx.riding`).
 * @throws TxfsError EJOURNAL, or an OS error removing a transient backup (the record stays open for recovery).
 */
export const finishCommitted = async (
  ctx: StoreContext,
  rec: TxRecord,
  { stats = new Map(), locks = [], ride = false }: { readonly stats?: ReadonlyMap<string, FileStat>; readonly locks?: readonly string[]; readonly ride?: boolean } = {},
): Promise<TxRecord> => {
  const done: TxRecord = { ...rec, state: 'committed', finishedAt: ctx.env.now() };
  const transient = transientBackups(rec).map((b) => backupAbs(ctx, b));
  const write = (txn: JournalTxn): BackupRecord[] => {
    const dropped = commitWrites(txn, done, { stats, keepOpen: transient.length > 0 });
    releaseIn(txn, rec.id, locks);
    return dropped;
  };
  const superseded = await (ride && ctx.riding !== undefined ? ctx.riding.ride(write) : ctx.env.journal.transact(write));
  if (transient.length > 0) {
    await removeDurably(ctx, transient);
    await ctx.env.journal.transact((txn) => txn.remove(openKey(rec.id)));
  }
  // Copies of versions that are no longer current and that another copy holds too. Their pending-removal records
  // complete the removal at the next open or prune should this fail: the commit stands either way.
  await unlinkPending({ env: ctx.env, backupDir: ctx.backupDir }, superseded).catch((e: unknown) => {
    if (hasCode(e, 'ECRASH')) throw e;
    ctx.logger?.warn({ err: e, txId: rec.id }, 'removing superseded copies of current versions failed; the next prune or open removes them');
  });
  return done;
};
