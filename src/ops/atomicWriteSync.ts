/**
 * writeFileAtomicSync: the synchronous twin of writeFileAtomic, behind the `.sync` and `*Sync` forms of
 * `txfs/compat/*`. The same steps on a `SyncFileSystem` — temp in the same directory (O_EXCL | O_NOFOLLOW, the mode and
 * owner of the file it replaces), every short write continued, SHA-256 while writing, fdatasync, rename, directory
 * fsync — checked and decided by the same code as the asynchronous write: `checkWriteOptions`, `lookAtSteps`,
 * `conflictAt`, `modeFor`, `ownerToKeep`, `tempPathFor`, `ensureDirSteps`, the dead-temp sweep, `removeOnExit` and the
 * errors naming the user's file. What needs the event loop is refused with a TypeError: streamed data, validators,
 * backups, an `onExists` other than 'overwrite', `checksumFile`, `signal`, `verify` 'size' and 'readback'.
 * A synchronous call lands before it returns, so it does not wait for asynchronous calls on the same path still in flight.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { fromOsError, hasCode } from '../errors.js';
import { runSync } from '../fs/dual.js';
import { nodeSyncFileSystem } from '../fs/node.js';
import type { SyncFileHandle, SyncFileSystem } from '../fs/syncFileSystem.js';
import type { WriteOptions, WriteResult } from '../types.js';
import { absoluteFilePath } from './checkPath.js';
import { ensureDirSteps, missingDirError } from './ensureDir.js';
import { chownRefusals, modeFor, needsModeFix, ownerToKeep } from './fileMode.js';
import { dirSyncWarning } from './finishWrite.js';
import { localIdSync } from './localId.js';
import { optionTypeError } from './optionChecks.js';
import { removeDeadTempsSync } from './removeDeadTemps.js';
import { removeOnExit } from './removeOnExit.js';
import { renameWithRetrySync } from './renameRetry.js';
import { namingTarget, type StagedFile } from './stageFile.js';
import { conflictAt, lookAtSteps } from './targetDecision.js';
import { ownerFor, tempPathFor, type OwnerChoice, type TempHooks } from './tempHooks.js';
import { inMemoryBytes } from './toChunks.js';
import { writeAllSync } from './writeAll.js';
import { checkWriteOptions } from './writeOptions.js';
import { processWriters, type Writers } from './writers.js';

/** What a test or a compat entry may replace or add, as for `writeFileAtomicWith`. */
export interface AtomicWriteSyncInternals {
  readonly newId?: () => string;
  readonly writers?: Writers;
  readonly temp?: TempHooks;
  readonly owner?: OwnerChoice;
}

/** Refuses, with a TypeError naming it, each option only the asynchronous write can honour. */
const checkSyncOptions = (where: string, o: WriteOptions): void => {
  const refuse = (name: string, v: unknown, why: string): never => {
    throw optionTypeError(where, `options.${name}`, `left out in the synchronous form (${why}; use the asynchronous one)`, v);
  };
  if (o.validate !== undefined) refuse('validate', o.validate, 'a validator may be asynchronous');
  if (o.backup !== undefined && o.backup !== false) refuse('backup', o.backup, 'backups are kept by the asynchronous write');
  if (o.onExists !== undefined && o.onExists !== 'overwrite') refuse('onExists', o.onExists, 'it only overwrites');
  if (o.checksumFile === true) refuse('checksumFile', o.checksumFile, 'the sidecar is written by the asynchronous write');
  if (o.signal !== undefined) refuse('signal', o.signal, 'nothing can abort a synchronous call');
  if (o.verify === 'size' || o.verify === 'readback') refuse('verify', o.verify, "only 'checksum' and 'none'");
};

interface SyncStage {
  readonly mode: number;
  readonly owner: { readonly uid: number; readonly gid: number } | undefined;
  readonly hooks: TempHooks | undefined;
  readonly sync: boolean;
  readonly mkdirp: boolean;
}

/** Opens the temp, creating the directory first when asked and missing (as the asynchronous `stage` does). */
const openTemp = (fs: SyncFileSystem, dest: string, tempPath: string, s: SyncStage): SyncFileHandle => {
  try {
    return fs.open(tempPath, 'wx', s.mode);
  } catch (e) {
    if (!(hasCode(e, 'ENOENT') && e.syscall === 'open')) throw namingTarget(e, dest, tempPath);
    if (!s.mkdirp) throw missingDirError(dirname(dest), e);
    runSync(fs, ensureDirSteps(dirname(dest), s.sync));
    try {
      return fs.open(tempPath, 'wx', s.mode);
    } catch (again) {
      throw namingTarget(again, dest, tempPath);
    }
  }
};

/** Removes a temp after a failure; an error here would hide the failure being reported, so there is none. */
const unlinkQuietly = (fs: SyncFileSystem, tempPath: string): void => {
  try {
    fs.unlink(tempPath);
  } catch {
    // Gone already, or not removable: the failure being handled is the one to report.
  }
};

/** Stage 3 for in-memory bytes, synchronously: the temp written, hashed and synced; on failure closed and removed. */
const stageSync = (fs: SyncFileSystem, dest: string, tempPath: string, bytes: Uint8Array, s: SyncStage): StagedFile => {
  let fh: SyncFileHandle | undefined = openTemp(fs, dest, tempPath, s);
  let callers = false;
  try {
    callers = true;
    s.hooks?.created?.(tempPath);
    callers = false;
    if (s.owner !== undefined && fh.chown !== undefined) {
      try {
        fh.chown(s.owner.uid, s.owner.gid);
      } catch (e) {
        if (!hasCode(e, ...chownRefusals)) throw e;
      }
    }
    if (needsModeFix(s.mode, s.owner)) fs.chmod(tempPath, s.mode & 0o7777);
    writeAllSync(fh, bytes, tempPath);
    if (s.sync) fh.datasync();
    const open = fh;
    fh = undefined;
    open.close();
    return { tempPath, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (e) {
    try {
      fh?.close();
    } catch {
      // As close(2), a failed close still releases the descriptor; the failure being handled is the one to report.
    }
    if (s.hooks?.keep !== true) unlinkQuietly(fs, tempPath);
    throw callers ? e : namingTarget(fromOsError(e, tempPath), dest, tempPath);
  }
};

/**
 * Writes `data` (a string or bytes) to `path` atomically and durably through `fs`, synchronously: see the module
 * comment for the steps and what the synchronous form leaves out. Returns what `writeFileAtomic` returns.
 * @throws TypeError (a wrong argument or an option the synchronous form leaves out); TxfsError EINVAL (an option out
 *   of range, a bad path), ECONFLICT (a read-only target without onExists), EISDIR, ENOENT (missing directory), ENOSPC,
 *   EACCES, EPERM, EROFS, EIO … from the file system; whatever `internals.temp.created` throws.
 */
export const writeFileAtomicSyncWith = (
  fs: SyncFileSystem,
  path: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
  internals: AtomicWriteSyncInternals = {},
): WriteResult => {
  const where = 'writeFileAtomicSync';
  const abs = absoluteFilePath(path);
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError(`${where}: data must be a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`);
  checkWriteOptions(where, options);
  checkSyncOptions(where, options);
  const bytes = inMemoryBytes(data, options.encoding);
  const writers = internals.writers ?? processWriters;
  const { target, st } = runSync(fs, lookAtSteps(abs));
  if (st !== undefined) conflictAt(target, st, options, undefined);
  const sync = options.fsync !== false;
  const stage: SyncStage = {
    mode: modeFor(options.mode, st),
    owner: ownerFor(internals.owner, ownerToKeep(st)),
    hooks: internals.temp,
    sync,
    mkdirp: options.mkdirp === true,
  };
  try {
    removeDeadTempsSync(fs, target, writers);
  } catch {
    // Temps that dead writers left are not this write's to fail on.
  }
  const tempPath = tempPathFor(internals.temp, target, () => internals.newId?.() ?? localIdSync(writers));
  const settled = internals.temp?.keep === true ? () => undefined : removeOnExit({ unlinkSync: (p) => fs.unlink(p) }, tempPath);
  try {
    const staged = stageSync(fs, target, tempPath, bytes, stage);
    try {
      renameWithRetrySync(fs, tempPath, target);
    } catch (e) {
      if (internals.temp?.keep !== true) unlinkQuietly(fs, tempPath);
      throw namingTarget(e, target, tempPath);
    }
    const warnings: string[] = [];
    if (sync) {
      try {
        fs.syncDir(dirname(target));
      } catch (e) {
        warnings.push(dirSyncWarning(target, e));
      }
    }
    return { path: target, status: 'written', sha256: staged.sha256, size: staged.size, ...(warnings.length === 0 ? {} : { warnings }) };
  } finally {
    settled();
  }
};

/**
 * `writeFileAtomicSyncWith` on the real disk.
 * @throws as `writeFileAtomicSyncWith`.
 * @example writeFileAtomicSync('settings.json', JSON.stringify(settings));
 */
export const writeFileAtomicSync = (path: string, data: string | Uint8Array, options?: WriteOptions): WriteResult =>
  writeFileAtomicSyncWith(nodeSyncFileSystem, path, data, options);
