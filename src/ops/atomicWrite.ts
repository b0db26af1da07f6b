/**
 * writeFileAtomic: one file replaced atomically and durably, without a store — DESIGN.md's steps 3, 4, 7 and 8
 * for one file: temp in the same directory, fdatasync, verification, optional backup, rename, directory fsync.
 * A failure at any step before the rename removes the temp file (and a backup made for it) and leaves the target as it
 * was; what runs after the rename (directory fsync, sidecar, pruning) cannot fail the call: it is reported in `warnings`.
 * Calls on one path in one process run in call order (`pathQueue.ts`); temps are removed should the process exit
 * (`removeOnExit.ts`), and those of dead writers by a later write of the target (`removeDeadTemps.ts`).
 */
import { dirname } from 'node:path';
import type { ConflictDecision } from '../conflict/resolveConflict.js';
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { nodeFileSystem } from '../fs/node.js';
import { hashFile } from '../integrity/sha256.js';
import type { BackupEntry, Data, Validator, WriteOptions, WriteResult } from '../types.js';
import { throwIfAborted } from './abort.js';
import { absoluteFilePath } from './checkPath.js';
import { ensureDir, missingDirError } from './ensureDir.js';
import { finishWrite } from './finishWrite.js';
import { modeFor, ownerToKeep } from './fileMode.js';
import { installFile } from './installFile.js';
import { localId } from './localId.js';
import { inPathOrder } from './pathQueue.js';
import { removeDeadTemps } from './removeDeadTemps.js';
import { removeOnExit } from './removeOnExit.js';
import { discardSiblingBackup, makeSiblingBackup, siblingBackupPolicy } from './siblingBackup.js';
import { namingTarget, stageFile, type StagedFile, type StageOptions } from './stageFile.js';
import { syncDirBatched } from './syncDirBatched.js';
import { decide, incomingOf, lookAt } from './targetDecision.js';
import { ownerFor, tempPathFor, type OwnerChoice, type TempHooks } from './tempHooks.js';
import { assertData } from './toChunks.js';
import { verifyWritten } from './verifyWritten.js';
import { checkWriteOptions } from './writeOptions.js';
import { processWriters, type Writers } from './writers.js';

/** What a test or the engine may replace: the clock, the id of the temp file, the process table. */
export interface AtomicWriteInternals {
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Says whether the writer of a temp file left beside the target is dead (its temp is then removed). */
  readonly writers?: Writers;
  /** The temp file as a caller shapes it (its path, a callback once it is created, kept after a failure). */
  readonly temp?: TempHooks;
  /** The owner of the new file instead of the replaced file's (`null`: the writer's). */
  readonly owner?: OwnerChoice;
}

/** Stages into `tempPath` in the destination's directory, creating the directory first when asked and missing. */
const stage = async (fs: FileSystem, dest: string, tempPath: string, data: Data, options: WriteOptions, file: Pick<StageOptions, 'mode' | 'owner' | 'onCreated' | 'keepOnFailure' | 'whileSyncing'>): Promise<StagedFile> => {
  const validate: readonly Validator[] = options.validate === undefined ? [] : Array.isArray(options.validate) ? options.validate : [options.validate as Validator];
  const run = (): Promise<StagedFile> =>
    stageFile(fs, tempPath, data, {
      ...file,
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
      throw missingDirError(dir, e);
    }
    await ensureDir(fs, dir, options.fsync !== false);
    return run();
  }
};

/** The write itself, once every earlier call on the path has settled. */
const writeInTurn = async (fs: FileSystem, abs: string, data: Data, options: WriteOptions, internals: AtomicWriteInternals): Promise<WriteResult> => {
  const now = internals.now ?? Date.now;
  const writers = internals.writers ?? processWriters;
  throwIfAborted(options.signal, abs);
  const { target, st } = await lookAt(fs, abs);
  const incoming = incomingOf(data, options);
  let { decision, dest } = st === undefined ? { decision: 'overwrite' as ConflictDecision, dest: target } : await decide(fs, target, st, options, now, incoming);
  if (decision === 'skip' && st !== undefined) return { path: target, status: 'skipped', sha256: await hashFile(fs, target), size: st.size };

  // The file it replaces gives its mode and owner; a file landing beside it ('rename', 'keep-both') is a new file.
  const replaced = decision === 'overwrite' ? st : undefined;
  const mode = modeFor(options.mode, replaced);
  const owner = ownerFor(internals.owner, ownerToKeep(replaced));
  // Temps that dead writers left for this target go while this one is fdatasynced (or after a failure); that is not
  // this write's to fail.
  let sweeping: Promise<number> | undefined;
  const sweep = (): void => void (sweeping ??= removeDeadTemps(fs, target, writers).catch(() => 0));
  const id = internals.newId?.() ?? (internals.temp?.path === undefined ? await localId(writers) : '');
  const tempPath = tempPathFor(internals.temp, dest, () => id);
  const keep = internals.temp?.keep === true;
  const settled = keep ? () => undefined : removeOnExit(fs, tempPath);
  try {
    const hooks = { ...(owner === undefined ? {} : { owner }), ...(internals.temp?.created === undefined ? {} : { onCreated: internals.temp.created }), keepOnFailure: keep, whileSyncing: sweep };
    const staged = await stage(fs, dest, tempPath, data, options, { mode, ...hooks });
    const policy = replaced !== undefined ? siblingBackupPolicy(options.backup, target) : undefined;
    let backup: BackupEntry | undefined;
    try {
      // The fsynced temp is checked before the rename: a mismatch leaves the target as it was.
      await verifyWritten(fs, staged, options.verify ?? 'checksum', dest);
      if (policy !== undefined) {
        backup = await makeSiblingBackup(fs, target, policy, now(), { sync: options.fsync !== false });
        // The backup must be durable before the rename can be: otherwise a crash could keep the new file and lose the old one.
        if (options.fsync !== false) await syncDirBatched(fs, policy.dir);
      }
      throwIfAborted(options.signal, abs);
      // Anything but 'overwrite' must never clobber a file that appeared since the decision: install exclusively and decide again.
      let exclusive = decision !== 'overwrite' || (st === undefined && (options.onExists ?? 'overwrite') !== 'overwrite');
      let over = replaced;
      for (let attempt = 0; ; attempt++) {
        try {
          await installFile(fs, staged.tempPath, dest, exclusive, over);
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
          over = again.st;
          if (decision === 'skip') {
            await fs.unlink(staged.tempPath);
            return { path: target, status: 'skipped', sha256: await hashFile(fs, target), size: again.st.size };
          }
        }
      }
    } catch (e) {
      if (!keep) await fs.unlink(staged.tempPath).catch(() => undefined);
      if (backup !== undefined && policy !== undefined) await discardSiblingBackup(fs, backup, policy).catch(() => undefined);
      throw e;
    }
    const warnings = await finishWrite(fs, { dest, target, staged }, options, policy !== undefined && backup !== undefined ? { policy, made: backup, now: now() } : undefined);
    return {
      path: dest,
      status: 'written',
      sha256: staged.sha256,
      size: staged.size,
      ...(backup === undefined ? {} : { backup }),
      ...(warnings.length === 0 ? {} : { warnings }),
    };
  } finally {
    settled();
    sweep();
    await sweeping;
  }
};

/**
 * Writes `data` to `path` atomically through `fs`: readers see the old file or the new one, never a mix, and after
 * a crash the path holds one of them. Calls on one path in this process land in call order. See `writeFileAtomic`.
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
  const abs = absoluteFilePath(path);
  // Every argument checked before anything is touched: a bad backup policy must not delete backups, a bad mode must
  // not create a file with setuid bits.
  assertData(data);
  checkWriteOptions('writeFileAtomic', options);
  throwIfAborted(options.signal, abs);
  return inPathOrder(abs, () => writeInTurn(fs, abs, data, options, internals), { path: abs, ...(options.signal === undefined ? {} : { signal: options.signal }) });
};

/**
 * Writes `data` (a string, bytes, a readable stream or an async iterable of bytes, streamed in constant memory)
 * to `path` atomically and durably: a temp file in the same directory, fdatasync, rename, directory fsync.
 * The new file gets the mode and owner of the file it replaces. Options: `onExists` ('overwrite' by default; a read-only
 * target needs an explicit policy), `validate`, `backup` (kept beside the file as `<stem>-<YYYYMMDD-HHMMSS>-<tag><suffix>.bak`, recorded in `.<name>.txfs-backups`;
 * only recorded backups are ever pruned, the oldest recorded first),
 * `verify` ('checksum' by default: the SHA-256 computed while writing; 'size' and 'readback' check the temp before the
 * rename), `checksumFile` (`<path>.sha256`), `mkdirp`, `signal`.
 * On any error the target is untouched and no temp file is left; what fails after the rename is in `warnings`.
 * Concurrent calls on one path in one process land in call order (the last call wins).
 * Options are checked first: a wrong type is a TypeError, a number out of range (`mode` above 0o777, a backup
 * `keep` below 1, a `maxAgeDays` below 0 …) is EINVAL naming the bound; nothing is touched then.
 * @throws TypeError; TxfsError EINVAL, EVALIDATION, ECONFLICT, EABORTED, ESOURCE, EINTEGRITY, EISDIR, ENOENT, ENOSPC, EACCES, EPERM, EROFS, EIO …
 * @example
 * const { sha256 } = await writeFileAtomic('settings.json', JSON.stringify(settings), { validate: validators.json(), backup: { keep: 3 } });
 */
export const writeFileAtomic = (path: string, data: Data, options?: WriteOptions): Promise<WriteResult> =>
  writeFileAtomicWith(nodeFileSystem, path, data, options);
