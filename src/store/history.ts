/**
 * A file's history across txfs's own renames: the versions of `a.xml` from before it was renamed to `b.xml`
 * are versions of `b.xml` too.
 */
import type { Env } from '../env.js';
import { decodeTx, txPrefix } from '../journal/records/txRecord.js';
import { listBackupRecords, newestFirst } from '../backup/backupIndex.js';
import { type BackupRecord } from '../journal/records/backupRecord.js';

/** One name a file had: `path`, up to time `until` (epoch ms; Infinity for its current name). */
export interface FormerName {
  readonly path: string;
  readonly until: number;
}

/**
 * The names `rel` had, newest first, following committed renames backwards (a rename back to an earlier name ends
 * the walk). Rejects with `EJOURNAL` when a transaction record cannot be decoded.
 */
export const formerNames = async (env: Pick<Env, 'journal'>, rel: string): Promise<FormerName[]> => {
  const rows = await env.journal.range(txPrefix);
  const out: FormerName[] = [{ path: rel, until: Number.POSITIVE_INFINITY }];
  const seen = new Set([rel]);
  let current = rel;
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i];
    if (row === undefined) continue;
    const rec = decodeTx(row.key, row.value);
    if (rec.state !== 'committed') continue;
    const op = rec.ops.find((o) => o.kind === 'rename' && o.skipped !== true && o.target === current && o.source !== undefined);
    if (op?.source === undefined) continue;
    if (seen.has(op.source)) break;
    seen.add(op.source);
    out.push({ path: op.source, until: rec.startedAt });
    current = op.source;
  }
  return out;
};

/**
 * The backups of `rel` and of the names it had before txfs renamed it (each only from before that rename), newest first.
 * Rejects with `EJOURNAL` when an index entry or a transaction record cannot be decoded.
 */
export const listHistoryRecords = async (env: Pick<Env, 'journal'>, rel: string): Promise<BackupRecord[]> => {
  const names = await formerNames(env, rel);
  const lists = await Promise.all(names.map(async (n) => (await listBackupRecords(env, n.path)).filter((r) => r.createdAt <= n.until)));
  return lists.flat().sort(newestFirst);
};
