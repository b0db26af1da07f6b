/**
 * What a committing transaction does to the kept copies of current versions (`backups.keepCurrent`), as a pure
 * decision from its journal record and the index: the copies it made become the current ones, and each earlier
 * current copy of a path it changes is dropped when another copy holds the same content, stays current when the
 * path keeps that content, or becomes an ordinary backup (the only intact copy of the version it replaced).
 */
import { keepsBackup, type Content, type OpRecord, type TxRecord } from '../journal/records/txRecord.js';
import { backupKey, type BackupRecord } from '../journal/records/backupRecord.js';
import { CURRENT_ID_SUFFIX } from './backupIndex.js';

/** Changes to the backup index. */
export interface IndexChanges {
  /** Records to write (new, or changed under their own key). */
  readonly put: readonly BackupRecord[];
  /** Records taken out of the index whose file stays, indexed under another key (in `put`). */
  readonly rekey: readonly BackupRecord[];
  /** Records taken out of the index whose file is to be removed. */
  readonly discard: readonly BackupRecord[];
}

/** The index record of the kept copy `op` made of the content it staged (undefined: it made none). */
export const currentRecordOf = (rec: TxRecord, op: OpRecord, index: number): BackupRecord | undefined =>
  op.current === undefined || op.staged === undefined || op.skipped === true
    ? undefined
    : {
        v: 1,
        id: `${rec.id}-${index}${CURRENT_ID_SUFFIX}`,
        path: op.target,
        file: op.current,
        createdAt: rec.finishedAt ?? rec.startedAt,
        size: op.staged.size,
        sha256: op.staged.sha256,
        compressed: false,
        reason: 'current',
        txId: rec.id,
      };

const holds = (c: Content | undefined, r: BackupRecord): boolean => c !== undefined && c.sha256 === r.sha256 && c.size === r.size;

const putsFile = (op: OpRecord): boolean => op.kind === 'write' || op.kind === 'copy' || op.kind === 'rename';

/**
 * The index changes committing `rec` makes to kept copies; `currentsOf(rel)` gives the index's current copies of
 * `rel` before the commit. Idempotent: run again on the index it produced, it changes nothing (every copy it leaves
 * current carries `rec.id`). Pure; never throws.
 * @example supersedeCurrent(rec, (rel) => currentCopiesIn(txn, rel))
 */
export const supersedeCurrent = (rec: TxRecord, currentsOf: (rel: string) => readonly BackupRecord[]): IndexChanges => {
  const live = rec.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.skipped !== true && op.kind !== 'mkdir');
  const made = live.flatMap(({ op, i }) => {
    const r = currentRecordOf(rec, op, i);
    return r === undefined ? [] : [r];
  });
  const put: BackupRecord[] = [...made];
  const rekey: BackupRecord[] = [];
  const discard: BackupRecord[] = [];
  const currentAt = new Set(made.map((r) => r.path));
  const seen = new Set<string>();
  for (const { op } of live) {
    const paths = [op.target, ...(op.kind === 'rename' && op.source !== undefined ? [op.source] : [])];
    for (const p of paths) {
      for (const old of currentsOf(p)) {
        const key = backupKey(old.path, old.id);
        if (old.txId === rec.id || seen.has(key)) continue;
        seen.add(key);
        // The content of a path this transaction leaves in place (rewritten alike, or moved by a rename): still current there.
        const landsAt = putsFile(op) && holds(op.staged, old) ? op.target : undefined;
        if (made.some((m) => holds(m, old)) || (landsAt !== undefined && currentAt.has(landsAt))) discard.push(old);
        else if (landsAt !== undefined) {
          currentAt.add(landsAt);
          if (landsAt === old.path) put.push({ ...old, txId: rec.id });
          else {
            rekey.push(old);
            put.push({ ...old, path: landsAt, txId: rec.id });
          }
        } else if (p === op.target && keepsBackup(op) && op.backupDamaged !== true && holds(op.backupContent, old)) discard.push(old);
        // The transaction keeps no backups (`backup: false`): nor does it keep this one.
        else if (p === op.target && op.keepBackup !== true) discard.push(old);
        // The version it replaced was kept damaged, or not at all: this copy is the intact one, kept as its backup.
        else put.push({ ...old, reason: op.kind === 'delete' ? 'deleted' : 'replaced', txId: rec.id });
      }
    }
  }
  return { put, rekey, discard };
};
