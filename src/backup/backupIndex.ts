/**
 * The backup index: one journal record per backup, under `backup/<rel>/<backupId>`. Retention, restore,
 * verification and history find a file's backups here — never by globbing names in the backup directory.
 */
import * as path from 'node:path';
import type { Env } from '../env.js';
import type { JournalTxn } from '../journal/journal.js';
import { backupKey, backupPrefix, decodeBackup, encodeBackup, type BackupRecord } from '../journal/records/backupRecord.js';
import type { BackupEntry } from '../types.js';

/** How the id of a kept copy of a current version ends (`<txId>-<op>-current`). */
export const CURRENT_ID_SUFFIX = '-current';

/** Bytes a backup takes on disk. */
export const storedBytes = (rec: BackupRecord): number => rec.storedSize ?? rec.size;

/**
 * Records `rec` in the index, inside a journal transaction (synchronous, as journal transactions must be).
 * Throws `TypeError` for an id containing '/', which would make the key ambiguous.
 */
export const indexBackup = (txn: JournalTxn, rec: BackupRecord): void => {
  if (rec.id.length === 0 || rec.id.includes('/')) throw new TypeError(`indexBackup: invalid backup id "${rec.id}"`);
  const key = backupKey(rec.path, rec.id);
  txn.put(key, encodeBackup(key, rec));
};

/** Removes `rec` from the index, inside a journal transaction. */
export const unindexBackup = (txn: JournalTxn, rec: BackupRecord): void => {
  txn.remove(backupKey(rec.path, rec.id));
};

/** Newest first: by creation time, then by id (ids are time-ordered). */
export const newestFirst = (a: BackupRecord, b: BackupRecord): number =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * The backups of the file `rel` (relative to the root), newest first.
 * Rejects with `EJOURNAL` when an index entry cannot be decoded.
 */
export const listBackupRecords = async (env: Pick<Env, 'journal'>, rel: string): Promise<BackupRecord[]> => {
  const prefix = `${backupPrefix}${rel}/`;
  const entries = await env.journal.range(prefix);
  // The prefix of `a` also covers the backups of `a/b` (a file that later became a directory): keep only `a`'s own.
  return entries
    .filter((e) => !e.key.slice(prefix.length).includes('/'))
    .map((e) => decodeBackup(e.key, e.value))
    .filter((r) => r.path === rel)
    .sort(newestFirst);
};

/**
 * The kept copies of the current version of `rel` (reason `current`) as the index holds them inside journal transaction
 * `txn` (synchronous, as journal transactions must be). Throws `EJOURNAL` when an entry cannot be decoded.
 */
export const currentCopiesIn = (txn: JournalTxn, rel: string): BackupRecord[] => {
  const prefix = `${backupPrefix}${rel}/`;
  const isCopy = (key: string): boolean => key.endsWith(CURRENT_ID_SUFFIX) && !key.slice(prefix.length).includes('/');
  // Every commit asks, for every file it touches, inside the journal's write transaction: only the entries of kept
  // copies (their ids end in `-current`, `currentRecordOf`) are read and decoded, not the file's other backups. Filtered
  // again: an injected journal written before `range` took a filter returns every entry.
  return txn
    .range(prefix, isCopy)
    .filter((e) => isCopy(e.key))
    .map((e) => decodeBackup(e.key, e.value))
    .filter((r) => r.path === rel && r.reason === 'current');
};

/** Every backup in the index, newest first. Rejects with `EJOURNAL` when an entry cannot be decoded. */
export const listAllBackupRecords = async (env: Pick<Env, 'journal'>): Promise<BackupRecord[]> => {
  const entries = await env.journal.range(backupPrefix);
  return entries.map((e) => decodeBackup(e.key, e.value)).sort(newestFirst);
};

/** The public view of a record: `file` made absolute inside `backupDir`, `createdAt` a Date. */
export const toBackupEntry = (rec: BackupRecord, backupDir: string): BackupEntry => ({
  id: rec.id,
  path: rec.path,
  file: path.join(backupDir, rec.file),
  createdAt: new Date(rec.createdAt),
  size: rec.size,
  sha256: rec.sha256,
  compressed: rec.compressed,
  ...(rec.txId === undefined ? {} : { txId: rec.txId }),
  ...(rec.damaged === true ? { damaged: true } : {}),
  ...(rec.reason === 'current' ? { current: true } : {}),
});
