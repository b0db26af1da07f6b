/**
 * writeFileAtomic: one file replaced atomically and durably, without a store — DESIGN.md's steps 3, 4, 7 and 8
 * for one file: temp in the same directory, fdatasync, optional backup, rename, directory fsync, verification.
 * A failure at any step before the rename removes the temp file (and a backup made for it) and leaves the target as it was.
 */
import { dirname } from 'node:path';
import { conflictError, resolveConflict, type ConflictDecision } from '../conflict/resolveConflict.js';
import { keepBothPath, renamedPath } from '../conflict/uniqueName.js';
import { TxfsError, hasCode } from '../errors.js';
import type { FileStat, FileSystem } from '../fs/fileSystem.js';
import { nodeFileSystem } from '../fs/node.js';
import { hashFile, sha256Of } from '../integrity/sha256.js';
import { writeChecksumFile } from './writeChecksumFile.js';
import type { BackupEntry, Conflict, Data, Validator, WriteOptions, WriteResult } from '../types.js';
import { throwIfAborted } from './abort.js';
import { absoluteFilePath } from './checkPath.js';
import { ensureDir } from './ensureDir.js';
import { newFileMode } from './fileMode.js';
import { installFile } from './installFile.js';
import { localId } from './localId.js';
import { discardSiblingBackup, makeSiblingBackup, pruneSiblingBackups, siblingBackupPolicy } from './siblingBackup.js';
import { namingTarget, stageFile, type StagedFile } from './stageFile.js';
import { syncDirBatched } from './syncDirBatched.js';
import { tempName } from './tempName.js';
import { assertData, inMemoryBytes, isInMemory } from './toChunks.js';
import { verifyWritten } from './verifyWritten.js';
import { checkWriteOptions } from './writeOptions.js';

/** What a test or the engine may replace: the clock and the id of the temp file. */
export interface AtomicWriteInternals {
  readonly now?: () => number;
  readonly newId?: () => string;
}

/** What is at `path` (symlinks followed to the file they name), or undefined when nothing is. */
const lookAt = async (fs: FileSystem, path: string): Promise<{ target: string; st: FileStat | undefined }> => {
  const absent = (e: unknown): undefined => {
    if (hasCode(e, 'ENOENT')) return undefined;
    throw e;
  };
  let st = await fs.lstat(path).catch(absent);
  let target = path;
  if (st?.kind === 'symlink') {
    // Like fs.writeFile, write through a symlink to the file it names (and keep the link).
    target = await fs.realpath(path).catch((e: unknown) => {
      throw hasCode(e, 'ENOENT') ? new TxfsError('ENOENT', `ENOENT: ${path} is a symbolic link to a missing file`, { path, cause: e }) : e;
    });
    st = await fs.lstat(target).catch(absent);
  }
  if (st !== undefined && st.kind !== 'file') {
    const code = st.kind === 'directory' ? 'EISDIR' : 'EINVAL';
    throw new TxfsError(code, `${code}: ${target} is a ${st.kind}, not a file; nothing was written`, { path: target });
  }
  return { target, st };
};

/** What a conflict callback is told about the new content: known without reading anything only for in-memory data. */
const incomingOf = (data: Data, options: WriteOptions): Conflict['incoming'] => {
  if (typeof options.onExists !== 'function' || !isInMemory(data)) return undefined;
  const bytes = inMemoryBytes(data, options.encoding);
  return { size: bytes.byteLength, sha256: sha256Of(bytes) };
};

/** The decision for an existing target, and where the new file goes. */
const decide = async (
  fs: FileSystem,
  target: string,
  st: FileStat,
  options: WriteOptions,
  now: () => number,
  incoming: Conflict['incoming'],
): Promise<{ decision: ConflictDecision; dest: string }> => {
  const readOnly = (st.mode & 0o222) === 0;
  const conflict: Conflict = {
    kind: readOnly ? 'read-only' : 'exists',
    path: target,
    current: { size: st.size, mtime: new Date(st.mtimeMs) },
    ...(incoming === undefined ? {} : { incoming }),
  };
  // A read-only file is never replaced by default: only an explicit onExists says what to do with it.
  if (readOnly && options.onExists === undefined) throw conflictError(conflict, 'read-only files are replaced only when onExists says so');
  const decision = await resolveConflict(options.onExists ?? 'overwrite', conflict);
  if (decision === 'rename') return { decision, dest: await renamedPath(fs, target) };
  if (decision === 'keep-both') return { decision, dest: await keepBothPath(fs, target, now()) };
  return { decision, dest: target };
};

/** Stages into the destination's directory, creating it first when asked and missing. */
const stage = async (fs: FileSystem, dest: string, data: Data, options: WriteOptions, mode: number, id: string): Promise<StagedFile> => {
  const validate: readonly Validator[] = options.validate === undefined ? [] : Array.isArray(options.validate) ? options.validate : [options.validate as Validator];
  const run = (): Promise<StagedFile> =>
    stageFile(fs, tempName(dest, id, 0), data, {
      mode,
      target: dest,
      validate,
      sync: options.fsync !== false,
      ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  try {
    return await run();
  } catch (e) {
    // Only a failed open of the temp file means the directory is missing; no data has been read yet, so a retry is safe.
    if (!(hasCode(e, 'ENOENT') && e.syscall === 'open')) throw e;
    const dir = dirname(dest);
    if (options.mkdirp !== true) {
      throw new TxfsError('ENOENT', `ENOENT: the directory ${dir} does not exist; create it first or pass mkdirp: true`, { path: dir, syscall: 'open', cause: e });
    }
    await ensureDir(fs, dir, options.fsync !== false);
    return run();
  }
};

/**
 * Writes `data` to `path` atomically through `fs`: readers see the old file or the new one, never a mix, and after
 * a crash the path holds one of them. See `writeFileAtomic` for the options.
 * @throws TypeError (an argument of the wrong type, an unknown option value); TxfsError EINVAL (an option out of range,
 *   a bad path), EVALIDATION, ECONFLICT, EABORTED, ESOURCE, EINTEGRITY (verification), EISDIR, ENOENT (missing
 *   directory), ENOSPC, EACCES, EPERM, EROFS, EIO … from the file system.
 */
export const writeFileAtomicWith = async (
  fs: FileSystem,
  path: string,
  data: Data,
  options: WriteOptions = {},
  internals: AtomicWriteInternals = {},
): Promise<WriteResult> => {
  const now = internals.now ?? Date.now;
  const abs = absoluteFilePath(path);
  // Every argument checked before anything is touched: a bad backup policy must not delete backups, a bad mode must
  // not create a file with setuid bits.
  assertData(data);
  checkWriteOptions('writeFileAtomic', options);
  throwIfAborted(options.signal, abs);
  const { target, st } = await lookAt(fs, abs);
  const incoming = incomingOf(data, options);
  let { decision, dest } = st === undefined ? { decision: 'overwrite' as ConflictDecision, dest: target } : await decide(fs, target, st, options, now, incoming);
  if (decision === 'skip' && st !== undefined) return { path: target, status: 'skipped', sha256: await hashFile(fs, target), size: st.size };

  // The mode of the file it replaces; a file landing beside it ('rename', 'keep-both') is a new file.
  const mode = options.mode ?? (st !== undefined && decision === 'overwrite' ? st.mode & 0o7777 : newFileMode());
  const staged = await stage(fs, dest, data, options, mode, (internals.newId ?? localId)());
  const policy = decision === 'overwrite' && st !== undefined ? siblingBackupPolicy(options.backup, target) : undefined;
  let backup: BackupEntry | undefined;
  try {
    if (policy !== undefined) {
      backup = await makeSiblingBackup(fs, target, policy, now(), { sync: options.fsync !== false });
      // The backup must be durable before the rename can be: otherwise a crash could keep the new file and lose the old one.
      if (options.fsync !== false) await syncDirBatched(fs, policy.dir);
    }
    throwIfAborted(options.signal, abs);
    // Anything but 'overwrite' must never clobber a file that appeared since the decision: install exclusively and decide again.
    let exclusive = decision !== 'overwrite' || (st === undefined && (options.onExists ?? 'overwrite') !== 'overwrite');
    for (let attempt = 0; ; attempt++) {
      try {
        await installFile(fs, staged.tempPath, dest, exclusive);
        break;
      } catch (e) {
        // The rename names the temp: the error is about putting `dest` in place.
        if (!hasCode(e, 'EEXIST') || attempt >= 100) throw namingTarget(e, dest, staged.tempPath);
        // Someone took the name: decide again about the asked path as it is now (a new free name is found from it).
        const again = await lookAt(fs, target);
        if (again.st === undefined) {
          dest = target;
          continue;
        }
        ({ decision, dest } = await decide(fs, target, again.st, options, now, incoming));
        exclusive = decision !== 'overwrite';
        if (decision === 'skip') {
          await fs.unlink(staged.tempPath);
          return { path: target, status: 'skipped', sha256: await hashFile(fs, target), size: again.st.size };
        }
      }
    }
  } catch (e) {
    await fs.unlink(staged.tempPath).catch(() => undefined);
    if (backup !== undefined && policy !== undefined) await discardSiblingBackup(fs, backup, policy).catch(() => undefined);
    throw e;
  }

  if (options.fsync !== false) await syncDirBatched(fs, dirname(dest));
  await verifyWritten(fs, dest, staged, options.verify ?? 'checksum');
  if (options.checksumFile === true) await writeChecksumFile(fs, dest, staged.sha256, { sync: options.fsync !== false });
  if (policy !== undefined && backup !== undefined) await pruneSiblingBackups(fs, target, policy, now(), backup.id);
  const result = { path: dest, status: 'written', sha256: staged.sha256, size: staged.size } as const;
  return backup === undefined ? result : { ...result, backup };
};

/**
 * Writes `data` (a string, bytes, a readable stream or an async iterable of bytes, streamed in constant memory)
 * to `path` atomically and durably: a temp file in the same directory, fdatasync, rename, directory fsync.
 * The new file gets the mode of the file it replaces. Options: `onExists` ('overwrite' by default; a read-only
 * target needs an explicit policy), `validate`, `backup` (kept beside the file as `<stem>-<YYYYMMDD-HHMMSS>-<tag><suffix>.bak`, recorded in `.<name>.txfs-backups`;
 * only recorded backups are ever pruned),
 * `verify` ('checksum' by default: the SHA-256 computed while writing), `checksumFile` (`<path>.sha256`), `mkdirp`, `signal`.
 * On any error before the rename, the target is untouched and no temp file is left.
 * Options are checked first: a wrong type is a TypeError, a number out of range (`mode` above 0o777, a backup
 * `keep` below 1, a `maxAgeDays` below 0 …) is EINVAL naming the bound; nothing is touched then.
 * @throws TypeError; TxfsError EINVAL, EVALIDATION, ECONFLICT, EABORTED, ESOURCE, EINTEGRITY, EISDIR, ENOENT, ENOSPC, EACCES, EPERM, EROFS, EIO …
 * @example
 * const { sha256 } = await writeFileAtomic('settings.json', JSON.stringify(settings), { validate: validators.json(), backup: { keep: 3 } });
 */
export const writeFileAtomic = (path: string, data: Data, options?: WriteOptions): Promise<WriteResult> =>
  writeFileAtomicWith(nodeFileSystem, path, data, options);
