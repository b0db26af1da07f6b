/**
 * writeFileAtomic's `backup` option: the replaced file is kept beside it (or in `policy.dir`) as
 * `<stem>-<YYYYMMDD-HHMMSS><suffix>.bak` (`-2`, `-3` … before the suffix when a second one lands in the same
 * second, UTC), the newest `keep` of them kept. A file's backups are found by the full name pattern with its
 * timestamp, never a `<stem>-*` glob: pruning `a.txt`'s backups cannot touch `a-b.txt`'s.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { backupStamp, preserveFile } from '../backup/backupFile.js';
import { splitName } from '../conflict/uniqueName.js';
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { hashFile } from '../integrity/sha256.js';
import type { BackupEntry, BackupPolicy } from '../types.js';

/** Where sibling backups go and how many stay. */
export interface SiblingBackupPolicy {
  readonly dir: string;
  readonly keep: number;
  readonly maxAgeDays?: number;
}

/** The sibling backup policy of a `backup` option for `targetAbs`, or undefined when backups are off. `keep` is at least 1. */
export const siblingBackupPolicy = (option: boolean | BackupPolicy | undefined, targetAbs: string): SiblingBackupPolicy | undefined => {
  if (option === undefined || option === false) return undefined;
  const p: BackupPolicy = option === true ? {} : option;
  const dir = p.dir === undefined ? dirname(targetAbs) : resolve(dirname(targetAbs), p.dir);
  const keep = Math.max(1, Math.floor(p.keep ?? 5));
  return p.maxAgeDays === undefined ? { dir, keep } : { dir, keep, maxAgeDays: p.maxAgeDays };
};

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The backup name of `fileName` at `now`, the `n`th of that second (1 = no counter). */
export const siblingBackupName = (fileName: string, now: number, n = 1): string => {
  const [stem, suffix] = splitName(fileName);
  return `${stem}-${backupStamp(now)}${n > 1 ? `-${n}` : ''}${suffix}.bak`;
};

/** One backup of a file found on disk. */
export interface SiblingBackupFile {
  readonly name: string;
  readonly time: number;
  readonly n: number;
}

/** Parses `name` as a backup of `fileName`, or undefined when it is not one (exact stem, stamp, counter, suffix). */
export const parseSiblingBackupName = (fileName: string, name: string): SiblingBackupFile | undefined => {
  const [stem, suffix] = splitName(fileName);
  const re = new RegExp(`^${escapeRe(stem)}-(\\d{4})(\\d{2})(\\d{2})-(\\d{2})(\\d{2})(\\d{2})(?:-([1-9]\\d*))?${escapeRe(suffix)}\\.bak$`, 's');
  const m = re.exec(name);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, n] = m.map((x) => (x === undefined ? undefined : Number(x)));
  const time = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0);
  return { name, time, n: n ?? 1 };
};

/**
 * The backups of `targetAbs` in `dir`, newest first.
 * @throws TxfsError EACCES, ENOTDIR … from readdir (a missing directory means none).
 */
export const listSiblingBackups = async (fs: FileSystem, targetAbs: string, dir: string): Promise<SiblingBackupFile[]> => {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return [];
    throw e;
  }
  const fileName = basename(targetAbs);
  return names
    .map((n) => parseSiblingBackupName(fileName, n))
    .filter((b): b is SiblingBackupFile => b !== undefined)
    .sort((a, b) => b.time - a.time || b.n - a.n);
};

/**
 * Keeps the current content of `targetAbs` as a new sibling backup (a hard link, a copy where links fail).
 * Does not fsync the backup directory: the caller does, once.
 * @throws TxfsError ENOENT (target gone), ENOSPC, EACCES, EIO … from the file system.
 */
export const makeSiblingBackup = async (fs: FileSystem, targetAbs: string, policy: SiblingBackupPolicy, now: number): Promise<BackupEntry> => {
  const fileName = basename(targetAbs);
  for (let n = 1; ; n++) {
    const file = join(policy.dir, siblingBackupName(fileName, now, n));
    try {
      const { size } = await preserveFile(fs, targetAbs, file);
      const sha256 = await hashFile(fs, file);
      return { id: basename(file), path: targetAbs, file, createdAt: new Date(now), size, sha256, compressed: false };
    } catch (e) {
      if (hasCode(e, 'EEXIST') && n < 1000) continue;
      // Not EEXIST: the name was free, so whatever is there now is our half-made backup.
      await fs.unlink(file).catch(() => undefined);
      throw e;
    }
  }
};

/**
 * Removes the backups of `targetAbs` beyond the newest `policy.keep` and those older than `maxAgeDays`,
 * never the one named `keepName`. Returns how many were removed.
 * @throws TxfsError EACCES, EIO … from readdir/unlink.
 */
export const pruneSiblingBackups = async (
  fs: FileSystem,
  targetAbs: string,
  policy: SiblingBackupPolicy,
  now: number,
  keepName?: string,
): Promise<number> => {
  const all = await listSiblingBackups(fs, targetAbs, policy.dir);
  const maxAgeMs = policy.maxAgeDays === undefined ? Infinity : policy.maxAgeDays * 86_400_000;
  let removed = 0;
  for (const [i, b] of all.entries()) {
    if (b.name === keepName || (i < policy.keep && now - b.time <= maxAgeMs)) continue;
    try {
      await fs.unlink(join(policy.dir, b.name));
      removed++;
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw e;
    }
  }
  return removed;
};
