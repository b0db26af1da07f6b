/**
 * Naming and making one backup file: a hard link into the backup store (O(1) on one filesystem),
 * a copy (a clone where the filesystem can) otherwise.
 */
import * as path from 'node:path';
import { TxfsError, fromOsError, hasCode } from '../errors.js';
import type { FileStat, FileSystem } from '../fs/fileSystem.js';
import { NAME_MAX, fitName, nameHash } from '../fs/fitName.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYYMMDD-HHMMSS` of `ms`, in UTC. */
export const backupStamp = (ms: number): string => {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
};

/** The longest backup file name: NAME_MAX less the `.gz` that compression appends to it. */
export const BACKUP_NAME_MAX = NAME_MAX - '.gz'.length;
/** A shortened name keeps the file's extension when it is at most this long (in bytes); a longer one is cut with the stem. */
const KEPT_SUFFIX_MAX = 32;

/**
 * The path, relative to the backup directory, of the backup of `rel` made by transaction `txId` at `now`:
 * `sub/dir/<stem>-<YYYYMMDD-HHMMSS>-<txId><suffix>.bak`, mirroring `rel`'s directories. This full form is kept for
 * every name that fits BACKUP_NAME_MAX (252 bytes, so that the `.gz` of a compressed backup still fits NAME_MAX), and
 * it reads back into (name, time, txId). A longer one is shortened:
 * `<stem cut at a UTF-8 character boundary>-<YYYYMMDD-HHMMSS>-<txId>~<16 hex of the SHA-256 of the full file name><suffix>.bak`
 * (the suffix is cut with the stem when it is longer than 32 bytes). The `~` after the txId marks it (a txId holds none):
 * time and txId still read back, but the file's name cannot be read back from a shortened name — only the backup
 * index knows it. The hash keeps two long names of one directory whose stems start alike apart.
 * Rejects with `EOUTSIDE` a `rel` that is empty, absolute or climbs out with `..`.
 * @throws TypeError when `txId` is empty, longer than 64 characters, or holds `/` or `~`.
 * @example backupFileName('docs/a.txt', 'TX1', Date.UTC(2026, 0, 2, 3, 4, 5)) // 'docs/a-20260102-030405-TX1.txt.bak'
 */
export const backupFileName = (rel: string, txId: string, now: number): string => {
  const norm = path.posix.normalize(rel.split(path.sep).join('/'));
  if (norm === '.' || norm === '' || norm.startsWith('/') || norm === '..' || norm.startsWith('../') || norm.endsWith('/')) {
    throw new TxfsError('EOUTSIDE', `EOUTSIDE: cannot name a backup for "${rel}": not a file path inside the store`, { path: rel });
  }
  if (txId.length === 0 || txId.length > 64 || /[/~]/.test(txId) || txId.includes(path.sep)) {
    throw new TypeError(`backupFileName: invalid transaction id "${txId}"`);
  }
  const dir = path.posix.dirname(norm);
  const base = path.posix.basename(norm);
  const suffix = path.posix.extname(base);
  const stem = base.slice(0, base.length - suffix.length);
  const full = `${stem}-${backupStamp(now)}-${txId}${suffix}.bak`;
  let name = full;
  if (Buffer.byteLength(full) > BACKUP_NAME_MAX) {
    const kept = Buffer.byteLength(suffix) <= KEPT_SUFFIX_MAX ? suffix : '';
    name = fitName(kept === '' ? base : stem, `-${backupStamp(now)}-${txId}~${nameHash(base)}${kept}.bak`, { max: BACKUP_NAME_MAX });
  }
  return dir === '.' ? name : `${dir}/${name}`;
};

/** Errors of link(2) after which a copy can still make the backup. */
const linkUnsupported = ['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK'];

/** Removes a half-made backup, keeping the first error as the one reported. */
const discard = async (fs: FileSystem, backupAbs: string): Promise<void> => {
  try {
    await fs.unlink(backupAbs);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
  }
};

/** Links `sourceAbs` to `backupAbs`, creating the backup's parent directories when they are missing. */
const linkWithParents = async (fs: FileSystem, sourceAbs: string, backupAbs: string): Promise<void> => {
  try {
    await fs.link(sourceAbs, backupAbs);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
    // ENOENT is either the source or the backup's directory; make the directory and let a second link tell.
    await fs.mkdir(path.dirname(backupAbs), { recursive: true });
    await fs.link(sourceAbs, backupAbs);
  }
};

/** Copies (clone first) `sourceAbs` to `backupAbs` and makes the copy's data durable. */
const copyBackup = async (fs: FileSystem, sourceAbs: string, backupAbs: string): Promise<void> => {
  await fs.mkdir(path.dirname(backupAbs), { recursive: true });
  await fs.copyFile(sourceAbs, backupAbs, { exclusive: true, clone: true });
  try {
    // A linked backup shares the source's already-durable inode; a copy is new data and must reach the disk itself.
    const fh = await fs.open(backupAbs, 'r');
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await discard(fs, backupAbs).catch(() => undefined);
    throw e;
  }
};

/**
 * Preserves the current content of `sourceAbs` as `backupAbs`: a hard link (O(1)), or on EXDEV/EPERM/ENOTSUP
 * a copy (cloned where possible, its data fsynced). Creates the backup's parent directories; does not fsync
 * the backup directory (the caller fsyncs each backup directory once). Resolves to the backup's size, whether it is a
 * link, and its lstat (what a later check that the file is still this backup compares with).
 * Rejects with the OS error (`ENOENT` when the source is gone, `EEXIST` when the backup name is taken,
 * `ENOSPC`, `EIO`, …), `EISDIR` for a directory, `ELOOP` for a symbolic link, `EINVAL` for any other non-regular file.
 * @example await preserveFile(nodeFileSystem, '/r/a.txt', '/r/.txfs/backups/a-20260102-030405-TX1.txt.bak')
 */
export const preserveFile = async (fs: FileSystem, sourceAbs: string, backupAbs: string): Promise<{ size: number; linked: boolean; stat: FileStat }> => {
  let linked = true;
  try {
    await linkWithParents(fs, sourceAbs, backupAbs);
  } catch (e) {
    if (!hasCode(e, ...linkUnsupported)) throw fromOsError(e, sourceAbs, 'link');
    linked = false;
    await copyBackup(fs, sourceAbs, backupAbs);
  }
  // link(2) does not follow a symbolic link: check what was preserved, and undo anything that is not a file.
  const st = await fs.lstat(backupAbs);
  if (st.kind !== 'file') {
    await discard(fs, backupAbs);
    const code = st.kind === 'directory' ? 'EISDIR' : st.kind === 'symlink' ? 'ELOOP' : 'EINVAL';
    throw new TxfsError(code, `${code}: only regular files can be backed up (${sourceAbs} is a ${st.kind})`, { path: sourceAbs, syscall: 'link' });
  }
  return { size: st.size, linked, stat: st };
};
