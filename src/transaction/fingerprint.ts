/**
 * Fingerprints of targets: what a transaction saw when it looked, to tell at the commit point whether the
 * file changed behind its back. Size, mtime and inode first; SHA-256 only when those differ, so a file
 * touched but left identical is not a false conflict.
 */
import { hasCode } from '../errors.js';
import type { FileStat, FileSystem } from '../fs/fileSystem.js';
import { hashFile } from '../integrity/sha256.js';
import type { ManifestEntry } from '../journal/records/txRecord.js';

/** What a path looked like. `sha256` is known when the manifest vouches for this exact file. */
export type Fingerprint =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly kind: FileStat['kind'];
      readonly size: number;
      readonly mtimeMs: number;
      readonly ino: number;
      readonly mode: number;
      /** The owner seen (absent where the backend knows no owners): the one a replacing file keeps. */
      readonly owner?: { readonly uid: number; readonly gid: number };
      readonly sha256?: string;
    };

/** The fingerprint of an existing `st`. */
const ofStat = (st: FileStat): Extract<Fingerprint, { readonly exists: true }> => ({
  exists: true,
  kind: st.kind,
  size: st.size,
  mtimeMs: st.mtimeMs,
  ino: st.ino,
  mode: st.mode,
  ...(st.uid === undefined || st.gid === undefined ? {} : { owner: { uid: st.uid, gid: st.gid } }),
});

/** True when `st` is the very file the manifest entry describes (same size, mtime and inode). */
export const matchesManifest = (st: Pick<FileStat, 'size' | 'mtimeMs' | 'ino'>, m: ManifestEntry | undefined): m is ManifestEntry =>
  m !== undefined && m.size === st.size && m.mtimeMs === st.mtimeMs && m.ino === st.ino;

/**
 * The fingerprint of `abs` now (lstat: a symbolic link is fingerprinted, not followed).
 * @throws TxfsError EACCES, EIO … from lstat (ENOENT means absent).
 */
export const takeFingerprint = async (fs: FileSystem, abs: string, manifest: ManifestEntry | undefined): Promise<Fingerprint> => {
  let st: FileStat;
  try {
    st = await fs.lstat(abs);
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return { exists: false };
    throw e;
  }
  const base = ofStat(st);
  return matchesManifest(st, manifest) ? { ...base, sha256: manifest.sha256 } : base;
};

/**
 * The fingerprint of `abs` at this very moment, when `fs` can lstat synchronously; undefined when it cannot.
 * @throws TxfsError EACCES, EIO … from lstat (ENOENT means absent).
 */
export const fingerprintNow = (fs: FileSystem, abs: string): Fingerprint | undefined => {
  if (fs.lstatSync === undefined) return undefined;
  let st: FileStat;
  try {
    st = fs.lstatSync(abs);
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return { exists: false };
    throw e;
  }
  return ofStat(st);
};

/** `fp` with the manifest's checksum when the manifest vouches for this exact file. */
export const withManifest = (fp: Fingerprint, m: ManifestEntry | undefined): Fingerprint =>
  fp.exists && matchesManifest(fp, m) ? { ...fp, sha256: m.sha256 } : fp;

/**
 * True when `abs` still holds what `before` saw: same existence and kind; same size, mtime and inode — or,
 * when those differ but the size does not, the same SHA-256 as `before` was known to have.
 * @throws TxfsError EACCES, EIO … from lstat or reading.
 */
export const isUnchanged = async (fs: FileSystem, abs: string, before: Fingerprint, manifest: ManifestEntry | undefined): Promise<boolean> => {
  const now = await takeFingerprint(fs, abs, manifest);
  if (!before.exists || !now.exists) return before.exists === now.exists;
  if (now.kind !== before.kind) return false;
  if (now.size === before.size && now.mtimeMs === before.mtimeMs && now.ino === before.ino) return true;
  if (now.size !== before.size || before.sha256 === undefined || now.kind !== 'file') return false;
  return (now.sha256 ?? (await hashFile(fs, abs))) === before.sha256;
};

/** True when `fp` is a file whose mode has no write bit (checked on the bits: root may write anyway). */
export const isReadOnly = (fp: Fingerprint): boolean => fp.exists && fp.kind === 'file' && (fp.mode & 0o222) === 0;
