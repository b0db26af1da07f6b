/**
 * Creating missing parent directories durably (the `mkdirp` option).
 */
import { dirname } from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import { io, runAsync, type Dual } from '../fs/dual.js';
import type { FileSystem } from '../fs/fileSystem.js';

/**
 * Creates `dir` and its missing ancestors; with `sync`, fsyncs the parent of each directory it created, so that
 * a file later made durable inside it cannot be lost with its directory. A dual step: the synchronous write runs it too.
 * @throws TxfsError ENOTDIR (an ancestor is a file), EACCES, EROFS, ENOSPC … from the file system.
 */
export function* ensureDirSteps(dir: string, sync: boolean): Dual<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      const st = yield* io('stat', d);
      if (st.kind !== 'directory') yield* io('readdir', d); // let the file system say ENOTDIR
      break;
    } catch (e) {
      if (!hasCode(e, 'ENOENT') || dirname(d) === d) throw e;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try {
      yield* io('mkdir', d);
    } catch (e) {
      if (!hasCode(e, 'EEXIST')) throw e;
    }
    if (sync) yield* io('syncDir', dirname(d));
  }
}

/**
 * Creates `dir` and its missing ancestors durably (`ensureDirSteps` on `fs`).
 * @throws TxfsError ENOTDIR (an ancestor is a file), EACCES, EROFS, ENOSPC … from the file system.
 */
export const ensureDir = (fs: FileSystem, dir: string, sync: boolean): Promise<void> => runAsync(fs, ensureDirSteps(dir, sync));

/** The ENOENT of a write whose directory `dir` is missing, when it was not asked to create it (`mkdirp`). */
export const missingDirError = (dir: string, cause: unknown): TxfsError =>
  new TxfsError('ENOENT', `ENOENT: the directory ${dir} does not exist; create it first or pass mkdirp: true`, { path: dir, syscall: 'open', cause });
