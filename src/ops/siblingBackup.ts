/**
 * writeFileAtomic's `backup` option: the replaced file is kept beside it (or in `policy.dir`) as
 * `<stem>-<YYYYMMDD-HHMMSS>-<tag><suffix>.bak` (UTC; `tag` ten random hex digits, the store's naming rule with the tag
 * in the transaction id's place, so a long name is shortened the same way), the newest `keep` of them kept.
 *
 * Which files are backups is never read from names: a user's `report-20260101-000000.json.bak` looks like one.
 * Each backup is recorded, when made and before the rename that makes it a backup, in the index beside it
 * (`siblingBackupIndex.ts`) with the identity of the file it made. Pruning removes a file only when the index lists it
 * for this very target, its name is exactly the name txfs gave it (with its random tag, so an edited index cannot
 * point at another file), and the file there is still the one recorded (inode, device, size, mtime; checked with
 * lstat as pruning starts). A backup the user edited, or replaced with a file of their own, stays.
 *
 * Which backups are the newest is the order the index recorded them in (each new record goes last), never a clock nor a
 * name: a clock stuck, or stepped back, or seven writes within one second still keep the newest `keep`. `maxAgeDays`
 * alone reads the recorded time. Updates of one index are made one at a time in this process (`pathQueue.ts`); two
 * processes writing backups of one file name at the same moment may each miss the other's record: that backup is then
 * kept, never pruned.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { backupFileName, preserveFile } from '../backup/backupFile.js';
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { hashFile } from '../integrity/sha256.js';
import type { BackupEntry, BackupPolicy } from '../types.js';
import { inPathOrder } from './pathQueue.js';
import { isRecordedFile, readSiblingIndex, siblingIndexPath, writeSiblingIndex, type SiblingBackupRecord } from './siblingBackupIndex.js';

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

const TAG = /^[0-9a-f]{10}$/;

/** A fresh random tag for a backup name: ten hex digits (40 bits), never produced by accident. */
const newTag = (): string => randomBytes(5).toString('hex');

/**
 * The backup name of `fileName` made at `now` with `tag`: `backupFileName`'s rule, within NAME_MAX.
 * @throws TypeError when `tag` is not ten lower-case hex digits.
 * @example siblingBackupName('a.txt', Date.UTC(2026, 10, 25, 17, 5, 0), '0f1e2d3c4b') // 'a-20261125-170500-0f1e2d3c4b.txt.bak'
 */
export const siblingBackupName = (fileName: string, now: number, tag: string): string => {
  if (!TAG.test(tag)) throw new TypeError(`siblingBackupName: invalid tag ${JSON.stringify(tag)}`);
  return backupFileName(fileName, tag, now);
};

/** True when `rec` is named exactly as txfs named a backup of a file called `fileName` (so an edited index cannot name another file). */
const isNamedAsBackup = (rec: SiblingBackupRecord, fileName: string): boolean =>
  basename(rec.path) === fileName && TAG.test(rec.tag) && Number.isFinite(rec.createdAt) && rec.name === siblingBackupName(fileName, rec.createdAt, rec.tag);

/** The records of the index for `fileName` in `dir` whose file is still there and still the recorded one, in index order. */
const liveRecords = async (fs: FileSystem, dir: string, fileName: string, targetAbs: string): Promise<SiblingBackupRecord[]> => {
  const records = await readSiblingIndex(fs, siblingIndexPath(dir, fileName), targetAbs);
  const live: SiblingBackupRecord[] = [];
  for (const rec of records) {
    if (!isNamedAsBackup(rec, fileName)) continue;
    try {
      if (isRecordedFile(await fs.lstat(join(dir, rec.name)), rec)) live.push(rec);
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw e;
    }
  }
  return live;
};

/**
 * The backups txfs made of `targetAbs` in `dir` that are still there as it made them, newest first: in the reverse of
 * the order the index recorded them (whatever their recorded times say).
 * @throws TxfsError EINTEGRITY (a damaged index, named), EACCES, EIO … from the file system.
 */
export const listSiblingBackups = async (fs: FileSystem, targetAbs: string, dir: string): Promise<SiblingBackupRecord[]> =>
  (await liveRecords(fs, dir, basename(targetAbs), targetAbs)).filter((rec) => rec.path === targetAbs).reverse();

/** Index updates of one index, one at a time (keys apart from the paths writeFileAtomic lines up). */
const indexTurn = <A>(indexAbs: string, run: () => Promise<A>): Promise<A> => inPathOrder(`\0index\0${indexAbs}`, run, { path: indexAbs });

/**
 * Keeps the current content of `targetAbs` as a new sibling backup (a hard link, a copy where links fail) and records it
 * in the index (fdatasynced unless `sync` is false). The index is read first: a damaged one stops the write before
 * anything is made. Does not fsync the backup directory: the caller does, once (it covers the index too).
 * @throws TxfsError EINTEGRITY (a damaged index, named), ENOENT (target gone), ENOSPC, EACCES, EIO … from the file system.
 */
export const makeSiblingBackup = async (
  fs: FileSystem,
  targetAbs: string,
  policy: SiblingBackupPolicy,
  now: number,
  options: { readonly sync?: boolean } = {},
): Promise<BackupEntry> => {
  const fileName = basename(targetAbs);
  const indexAbs = siblingIndexPath(policy.dir, fileName);
  return indexTurn(indexAbs, async () => {
    const recorded = await liveRecords(fs, policy.dir, fileName, targetAbs);
    for (let attempt = 1; ; attempt++) {
      const tag = newTag();
      const name = siblingBackupName(fileName, now, tag);
      const file = join(policy.dir, name);
      let made = false;
      try {
        const { size, stat } = await preserveFile(fs, targetAbs, file);
        made = true;
        const sha256 = await hashFile(fs, file);
        const rec: SiblingBackupRecord = { name, path: targetAbs, tag, createdAt: now, ino: stat.ino, dev: stat.dev, size: stat.size, mtimeMs: stat.mtimeMs };
        // Records whose file is gone or is no longer the backup are dropped here, so the index lists only what is there.
        await writeSiblingIndex(fs, indexAbs, [...recorded, rec], { sync: options.sync !== false });
        return { id: name, path: targetAbs, file, createdAt: new Date(now), size, sha256, compressed: false };
      } catch (e) {
        // EEXIST from the link: the name is someone else's file, never to be touched; try another tag.
        if (!made && hasCode(e, 'EEXIST')) {
          if (attempt < 10) continue;
          throw e;
        }
        // Otherwise the name was free, so whatever is there now is our half-made backup.
        await fs.unlink(file).catch(() => undefined);
        throw e;
      }
    }
  });
};

/**
 * Undoes `makeSiblingBackup` for a write that failed before its rename: removes the backup and its record, and the index
 * itself when nothing else is left in it, so that the directory is as it was before the write.
 * @throws TxfsError EINTEGRITY (a damaged index, named), EACCES, EIO … from the file system.
 */
export const discardSiblingBackup = async (fs: FileSystem, backup: BackupEntry, policy: SiblingBackupPolicy): Promise<void> => {
  try {
    await fs.unlink(backup.file);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
  }
  const indexAbs = siblingIndexPath(policy.dir, basename(backup.path));
  await indexTurn(indexAbs, async () => {
    const rest = (await readSiblingIndex(fs, indexAbs, backup.path)).filter((rec) => rec.name !== backup.id);
    if (rest.length > 0) {
      await writeSiblingIndex(fs, indexAbs, rest, { sync: true });
      return;
    }
    try {
      await fs.unlink(indexAbs);
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw e;
    }
  });
};

/** What pruning did: how many backups it removed, and the ones it could not remove (each with its error). */
export interface PruneOutcome {
  readonly removed: number;
  readonly failed: ReadonlyArray<{ readonly file: string; readonly error: unknown }>;
}

/**
 * Removes the backups txfs made of `targetAbs` beyond the newest `policy.keep` and those older than `maxAgeDays`, never
 * the one named `keepName` and never a file the index does not record as this target's backup (see the module comment).
 * A backup that cannot be removed is reported and the others are still pruned. The index is not rewritten: the next
 * backup drops the records of the files removed.
 * @throws TxfsError EINTEGRITY (a damaged index, named), EACCES, EIO … from reading the index and lstat.
 */
export const pruneSiblingBackups = async (
  fs: FileSystem,
  targetAbs: string,
  policy: SiblingBackupPolicy,
  now: number,
  keepName?: string,
): Promise<PruneOutcome> => {
  const mine = await listSiblingBackups(fs, targetAbs, policy.dir);
  const maxAgeMs = policy.maxAgeDays === undefined ? Infinity : policy.maxAgeDays * 86_400_000;
  let removed = 0;
  const failed: Array<{ file: string; error: unknown }> = [];
  for (const [i, b] of mine.entries()) {
    if (b.name === keepName || (i < policy.keep && now - b.createdAt <= maxAgeMs)) continue;
    const file = join(policy.dir, b.name);
    try {
      await fs.unlink(file);
      removed++;
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) failed.push({ file, error: e });
    }
  }
  return { removed, failed };
};
