/**
 * What writeFileAtomic finds at the asked path and what it decides to do about it: the file a symlink names, the
 * conflict an existing file is, and where the new file goes.
 */
import { conflictError, resolveConflict, type ConflictDecision } from '../conflict/resolveConflict.js';
import { keepBothPath, renamedPath } from '../conflict/uniqueName.js';
import { TxfsError, hasCode } from '../errors.js';
import { io, runAsync, type Dual } from '../fs/dual.js';
import type { FileStat, FileSystem } from '../fs/fileSystem.js';
import { sha256Of } from '../integrity/sha256.js';
import type { Conflict, Data, WriteOptions } from '../types.js';
import { inMemoryBytes, isInMemory } from './toChunks.js';

/**
 * What is at `path` (symlinks followed to the file they name), or undefined when nothing is — as a dual step, so that
 * the synchronous write finds its target by the same rules.
 * @throws TxfsError ENOENT (a link to a missing file), EISDIR or EINVAL (not a file), EACCES, EIO … from lstat.
 */
export function* lookAtSteps(path: string): Dual<{ target: string; st: FileStat | undefined }> {
  const lstatOrAbsent = function* (p: string): Dual<FileStat | undefined> {
    try {
      return yield* io('lstat', p);
    } catch (e) {
      if (hasCode(e, 'ENOENT')) return undefined;
      throw e;
    }
  };
  let st = yield* lstatOrAbsent(path);
  let target = path;
  if (st?.kind === 'symlink') {
    // Like fs.writeFile, write through a symlink to the file it names (and keep the link).
    try {
      target = yield* io('realpath', path);
    } catch (e) {
      throw hasCode(e, 'ENOENT') ? new TxfsError('ENOENT', `ENOENT: ${path} is a symbolic link to a missing file`, { path, cause: e }) : e;
    }
    st = yield* lstatOrAbsent(target);
  }
  if (st !== undefined && st.kind !== 'file') {
    const code = st.kind === 'directory' ? 'EISDIR' : 'EINVAL';
    throw new TxfsError(code, `${code}: ${target} is a ${st.kind}, not a file; nothing was written`, { path: target });
  }
  return { target, st };
}

/**
 * What is at `path` (symlinks followed to the file they name), or undefined when nothing is (`lookAtSteps` on `fs`,
 * its lstats at once where `fs` can: the first call of every write, and a round trip it need not wait for).
 * @throws TxfsError ENOENT (a link to a missing file), EISDIR or EINVAL (not a file), EACCES, EIO … from lstat.
 */
export const lookAt = (fs: FileSystem, path: string): Promise<{ target: string; st: FileStat | undefined }> => runAsync(fs, lookAtSteps(path), { lstatAtOnce: true });

/** What a conflict callback is told about the new content: known without reading anything only for in-memory data. */
export const incomingOf = (data: Data, options: WriteOptions): Conflict['incoming'] => {
  if (typeof options.onExists !== 'function' || !isInMemory(data)) return undefined;
  const bytes = inMemoryBytes(data, options.encoding);
  return { size: bytes.byteLength, sha256: sha256Of(bytes) };
};

/**
 * The conflict an existing target `st` is. A read-only file is never replaced by default: only an explicit onExists
 * says what to do with it (the synchronous write, which only overwrites, checks this too).
 * @throws TxfsError ECONFLICT for a read-only file when `options.onExists` is not given.
 */
export const conflictAt = (target: string, st: FileStat, options: WriteOptions, incoming: Conflict['incoming']): Conflict => {
  const readOnly = (st.mode & 0o222) === 0;
  const conflict: Conflict = {
    kind: readOnly ? 'read-only' : 'exists',
    path: target,
    current: { size: st.size, mtime: new Date(st.mtimeMs) },
    ...(incoming === undefined ? {} : { incoming }),
  };
  if (readOnly && options.onExists === undefined) throw conflictError(conflict, 'read-only files are replaced only when onExists says so');
  return conflict;
};

/**
 * The decision for an existing target, and where the new file goes.
 * @throws TxfsError ECONFLICT (a read-only file without an explicit onExists, 'fail', a callback's cancel).
 */
export const decide = async (
  fs: FileSystem,
  target: string,
  st: FileStat,
  options: WriteOptions,
  now: () => number,
  incoming: Conflict['incoming'],
): Promise<{ decision: ConflictDecision; dest: string }> => {
  const decision = await resolveConflict(options.onExists ?? 'overwrite', conflictAt(target, st, options, incoming));
  if (decision === 'rename') return { decision, dest: await renamedPath(fs, target) };
  if (decision === 'keep-both') return { decision, dest: await keepBothPath(fs, target, now()) };
  return { decision, dest: target };
};
