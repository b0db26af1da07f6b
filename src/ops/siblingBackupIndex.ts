/**
 * The record of the sibling backups writeFileAtomic made: one small index file per file name in the backup directory,
 * `.<name>.txfs-backups`, listing each backup with the identity of the file it made (inode, device, size, mtime).
 * Pruning removes only what this index lists and only while the file there is still that file, so a file of the
 * user's own — whatever its name — is never taken for a backup. (An extended attribute on each backup would say the
 * same without a file, but xattrs are missing or size-limited on tmpfs, some network and FAT filesystems, and are
 * dropped by many copy tools.)
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { join } from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { FileStat, FileSystem } from '../fs/fileSystem.js';
import { fitName, nameHash } from '../fs/fitName.js';
import { replaceSmallFile } from './replaceSmallFile.js';

/** One backup the index records: its name in the backup directory and the file it was when made. */
export const SiblingBackupRecord = t.type({
  /** The backup's file name. */
  name: t.string,
  /** The absolute path of the file it is a backup of. */
  path: t.string,
  /** The random tag of its name. */
  tag: t.string,
  createdAt: t.number,
  ino: t.number,
  dev: t.number,
  size: t.number,
  mtimeMs: t.number,
});
/** One backup the index records. */
export type SiblingBackupRecord = t.TypeOf<typeof SiblingBackupRecord>;

/** The index file's content. */
export const SiblingBackupIndex = t.type({ v: t.literal(1), backups: t.array(SiblingBackupRecord) });
/** The index file's content. */
export type SiblingBackupIndex = t.TypeOf<typeof SiblingBackupIndex>;

/** An index is a few hundred bytes per backup; anything larger than this is not one (a link to a device, a foreign file). */
export const SIBLING_INDEX_MAX_BYTES = 4 * 1024 * 1024;

const SUFFIX = '.txfs-backups';

/** The index of the backups of files named `fileName` kept in `dir`: `.<fileName>.txfs-backups`, a long name cut and hashed to fit NAME_MAX. */
export const siblingIndexPath = (dir: string, fileName: string): string => {
  const full = `.${fileName}${SUFFIX}`;
  return join(dir, Buffer.byteLength(full) <= 255 ? full : fitName(`.${fileName}`, `~${nameHash(fileName)}${SUFFIX}`));
};

/** True when `st` is still the file `rec` recorded: same inode on the same device, same size and modification time. */
export const isRecordedFile = (st: FileStat, rec: SiblingBackupRecord): boolean =>
  st.kind === 'file' && st.ino === rec.ino && st.dev === rec.dev && st.size === rec.size && st.mtimeMs === rec.mtimeMs;

const damaged = (indexAbs: string, targetAbs: string, what: string, cause?: unknown): TxfsError =>
  new TxfsError(
    'EINTEGRITY',
    `EINTEGRITY: the backup index ${indexAbs} of ${targetAbs} ${what}. Remove it to go on: the backups it listed then stay, and are never pruned`,
    { path: indexAbs, cause },
  );

/** Reads at most `max + 1` bytes of an open file. */
const readBounded = async (fs: FileSystem, indexAbs: string, max: number): Promise<Buffer> => {
  const fh = await fs.open(indexAbs, 'r');
  try {
    const buf = Buffer.alloc(max + 1);
    let used = 0;
    for (;;) {
      const n = await fh.read(buf, used, buf.length - used, null);
      if (n === 0 || (used += n) === buf.length) return buf.subarray(0, used);
    }
  } finally {
    await fh.close();
  }
};

/**
 * The records of the index at `indexAbs` (none when it does not exist), for the backups of `targetAbs`'s name.
 * @throws TxfsError EINTEGRITY (naming the index) when it is not a regular file, larger than SIBLING_INDEX_MAX_BYTES or
 *   not an index; EACCES, EIO … from the file system.
 */
export const readSiblingIndex = async (fs: FileSystem, indexAbs: string, targetAbs: string): Promise<SiblingBackupRecord[]> => {
  let st: FileStat;
  try {
    st = await fs.lstat(indexAbs);
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return [];
    throw e;
  }
  // Never opened unless a regular file: a FIFO would block the open, a link could lead anywhere.
  if (st.kind !== 'file') throw damaged(indexAbs, targetAbs, `is a ${st.kind}, not a file txfs wrote`);
  const bytes = await readBounded(fs, indexAbs, SIBLING_INDEX_MAX_BYTES);
  if (bytes.length > SIBLING_INDEX_MAX_BYTES) throw damaged(indexAbs, targetAbs, `is larger than ${SIBLING_INDEX_MAX_BYTES} bytes, so not an index txfs wrote`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw damaged(indexAbs, targetAbs, 'is not JSON', e);
  }
  const decoded = SiblingBackupIndex.decode(json);
  if (isLeft(decoded)) throw damaged(indexAbs, targetAbs, `is not a backup index (${PathReporter.report(decoded).join('; ')})`);
  return decoded.right.backups;
};

/**
 * Replaces the index at `indexAbs` with `records` atomically (a temp file, fdatasynced unless `sync` is false, renamed
 * over it). Does not fsync the directory: the caller does, once, with the backup's own link.
 * @throws TxfsError ENOSPC, EACCES, EROFS, EIO … from the file system (no temp file left).
 */
export const writeSiblingIndex = async (fs: FileSystem, indexAbs: string, records: readonly SiblingBackupRecord[], options: { readonly sync: boolean }): Promise<void> => {
  const body: SiblingBackupIndex = { v: 1, backups: [...records] };
  await replaceSmallFile(fs, indexAbs, JSON.stringify(body), options);
};
