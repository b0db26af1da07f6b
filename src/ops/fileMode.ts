/**
 * File modes of new files (the process umask, read once), and the owner a replacing file must be given.
 */
import { defaultFileMode, type FileStat } from '../fs/fileSystem.js';

let umask: number | undefined;

/** The process umask, read once (reading it means setting it twice, so it is not read on every write). */
export const processUmask = (): number => (umask ??= process.umask());

/** The mode a new file gets by default: 0o666 & ~umask. */
export const newFileMode = (): number => defaultFileMode(processUmask());

/** The mode of a new file: the one asked for, else the replaced file's (kept whole), else 0o666 & ~umask. */
export const modeFor = (asked: number | undefined, replaced: Pick<FileStat, 'mode'> | undefined): number =>
  asked ?? (replaced !== undefined ? replaced.mode & 0o7777 : newFileMode());

/** True when creating a file with `mode` under the umask would lose bits, so that a chmod must follow. */
export const needsChmod = (mode: number): boolean => (mode & 0o7777 & ~processUmask()) !== (mode & 0o7777);

/** True when a temp created with `mode`, then given `owner`, needs a chmod: the umask took bits, or the chown cleared setuid/setgid. */
export const needsModeFix = (mode: number, owner: { readonly uid: number } | undefined): boolean => needsChmod(mode) || (owner !== undefined && (mode & 0o6000) !== 0);

/** Errors of fchown that say the system will not give files away here: the write goes on without it, as write-file-atomic's does. */
export const chownRefusals: readonly string[] = ['EPERM', 'EINVAL', 'ENOSYS', 'ENOTSUP', 'EOPNOTSUPP'];

/**
 * The owner a file replacing `st` must be given, or undefined when a file this process creates gets it anyway (its
 * effective uid and gid) or when the owner is not known (a backend without owners, a system without uids).
 */
export const ownerToKeep = (st: Pick<FileStat, 'uid' | 'gid'> | undefined): { readonly uid: number; readonly gid: number } | undefined => {
  if (st?.uid === undefined || st.gid === undefined || process.geteuid === undefined || process.getegid === undefined) return undefined;
  return st.uid === process.geteuid() && st.gid === process.getegid() ? undefined : { uid: st.uid, gid: st.gid };
};
