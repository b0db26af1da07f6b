/**
 * File modes of new files: the process umask, read once.
 */
import { defaultFileMode } from '../fs/fileSystem.js';

let umask: number | undefined;

/** The process umask, read once (reading it means setting it twice, so it is not read on every write). */
export const processUmask = (): number => (umask ??= process.umask());

/** The mode a new file gets by default: 0o666 & ~umask. */
export const newFileMode = (): number => defaultFileMode(processUmask());

/** True when creating a file with `mode` under the umask would lose bits, so that a chmod must follow. */
export const needsChmod = (mode: number): boolean => (mode & 0o7777 & ~processUmask()) !== (mode & 0o7777);
