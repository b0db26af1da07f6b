/**
 * Reading a backup's name back: a backup file is named after the file it preserves, the time and the transaction
 * (`backupFileName`), so that the backup index can be rebuilt from the backup directory alone.
 */
import * as path from 'node:path';
import { backupFileName } from './backupFile.js';

/** What a backup's name says: the file it preserves (relative to the root), its transaction, time, and compression. */
export interface ParsedBackupName {
  readonly path: string;
  readonly txId: string;
  /** The time in the name, epoch ms (whole seconds, UTC). */
  readonly createdAt: number;
  readonly compressed: boolean;
}

const pattern = /^(.+)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-([^./~]+)(\.[^./]*)?\.bak(\.gz)?$/s;

/**
 * The file, transaction and time a backup file's name gives, for `rel` (its path relative to the backup directory,
 * `/`-separated), or undefined when it is no name `backupFileName` gives — a user's file, a temp file, or a shortened
 * name (`…~<hash>…`), which keeps the time and transaction but not the file's name. Pure; never throws.
 * @example parseBackupName('docs/a-20260102-030405-TX1.txt.bak') // { path: 'docs/a.txt', txId: 'TX1', createdAt: 1767323045000, compressed: false }
 */
export const parseBackupName = (rel: string): ParsedBackupName | undefined => {
  const dir = path.posix.dirname(rel);
  const m = pattern.exec(path.posix.basename(rel));
  if (m === null) return undefined;
  const [, stem = '', year, month, day, hour, minute, second, txId = '', suffix = '', gz] = m;
  const createdAt = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  const original = `${dir === '.' ? '' : `${dir}/`}${stem}${suffix}`;
  const compressed = gz !== undefined;
  // What backupFileName refuses (a path climbing out, an over-long transaction id) names no backup.
  if (txId.length > 64 || original.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
  // Only the very name backupFileName gives that file, time and transaction is a backup's (no impossible date, no
  // other spelling): what the name says is then exactly what it was made from.
  if (backupFileName(original, txId, createdAt) !== (compressed ? rel.slice(0, -'.gz'.length) : rel)) return undefined;
  return { path: original, txId, createdAt, compressed };
};
