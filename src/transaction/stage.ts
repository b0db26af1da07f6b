/**
 * Steps 3 (stage) and 4 (protect) of the commit protocol, and the naming that precedes the intent record:
 * every temp file and backup gets its name before the journal says the transaction is `staging`.
 */
import * as path from 'node:path';
import { backupFileName, preserveFile } from '../backup/backupFile.js';
import { currentCopyName, keepCopy } from '../backup/keptCopy.js';
import { conflictError, resolveConflict } from '../conflict/resolveConflict.js';
import { TxfsError, hasCode } from '../errors.js';
import { hashFile } from '../integrity/sha256.js';
import { checksumLine } from '../integrity/sidecar.js';
import { newFileMode, ownerToKeep } from '../ops/fileMode.js';
import { namingTarget, stageCopy, stageFile, type KnownSource, type StageOptions } from '../ops/stageFile.js';
import { syncDirBatched } from '../ops/syncDirBatched.js';
import { tempName } from '../ops/tempName.js';
import type { Validator } from '../types.js';
import { decodeRecordIfPresent } from '../journal/envelope.js';
import { ManifestEntry, manifestKey } from '../journal/records/txRecord.js';
import type { StoreContext } from './context.js';
import { eachWithin, transactionBudget } from './fileBudget.js';
import type { PlannedOp } from './plannedOp.js';
import type { FileStat, FileSystem } from '../fs/fileSystem.js';
import { matchesManifest, type Fingerprint } from './fingerprint.js';

/** Settles every promise, then throws the first rejection: no step may still be running when a failure is handled. */
export const allOrFirstError = async (jobs: ReadonlyArray<Promise<unknown>>): Promise<void> => {
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
};

/** The absolute path of a backup named `rel` (relative to the backup directory). */
export const backupAbs = (ctx: StoreContext, rel: string): string => path.join(ctx.backupDir, ...rel.split('/'));

/** Names the temp file and backups of each operation (no I/O): they go into the intent record first. */
export const nameFiles = (ctx: StoreContext, txId: string, ops: readonly PlannedOp[]): void => {
  const now = ctx.env.now();
  for (const op of ops) {
    if (op.skipped) continue;
    if (op.kind === 'write' || op.kind === 'copy' || op.kind === 'rename') op.temp = tempName(op.target.abs, txId, op.index);
    // Every target gets a backup name, even one absent now: if it appears before the check, it is preserved under this name.
    if (op.kind !== 'mkdir') op.backup = backupFileName(op.target.rel, txId, now);
    if (op.kind === 'rename' && op.source !== undefined) op.sourceBackup = backupFileName(op.source.rel, txId, now);
    if (op.temp !== undefined && ctx.backupPolicy?.keepCurrent === true) op.current = currentCopyName(op.target.rel, txId, now);
  }
};

const validatorsOf = (v: Validator | readonly Validator[] | undefined): readonly Validator[] =>
  v === undefined ? [] : Array.isArray(v) ? (v as readonly Validator[]) : [v as Validator];

const modeOf = (op: PlannedOp): number => {
  if (op.options.mode !== undefined) return op.options.mode;
  if (op.before.exists) return op.before.mode & 0o7777;
  if (op.kind === 'copy' && op.sourceBefore?.exists === true) return op.sourceBefore.mode & 0o7777;
  return newFileMode();
};

/** Stages one file operation into its temp file; errors name the target as given (the temp is mentioned). */
/**
 * Asks `op`'s callback about a `permission` conflict (the target or its directory refuses the write); skip drops the
 * operation. Without a callback, or with any other answer, `refusal` stands (cancel: ECONFLICT).
 */
const askPermission = async (op: PlannedOp, refusal: unknown): Promise<void> => {
  if (typeof op.onExists !== 'function') throw refusal;
  const decision = await resolveConflict(op.onExists, { kind: 'permission', path: op.target.rel });
  if (decision !== 'skip') throw refusal;
  op.skipped = true;
};

/** True when `st` is the regular file `was` saw: same size, mtime and inode. */
const sameFileAs = (st: FileStat | undefined, was: Fingerprint & { readonly exists: true }): boolean =>
  st !== undefined && st.kind === 'file' && was.kind === 'file' && st.size === was.size && st.mtimeMs === was.mtimeMs && st.ino === was.ino;

/** Stages one file operation into its temp file; a refused write is a `permission` conflict (`askPermission`). */
const stageOne = async (ctx: StoreContext, op: PlannedOp, signal: AbortSignal | undefined, sync: boolean): Promise<void> => {
  try {
    await stageInto(ctx, op, signal, sync);
  } catch (e) {
    if (!hasCode(e, 'EACCES', 'EPERM')) throw e;
    await askPermission(op, e);
  }
};

const stageInto = async (ctx: StoreContext, op: PlannedOp, signal: AbortSignal | undefined, sync: boolean): Promise<void> => {
  const { fs } = ctx.env;
  const temp = op.temp;
  if (temp === undefined) return;
  // A replaced file keeps its owner as it was when the path was noted (no lstat again: a chown after that is not
  // followed, as one after the staging never was; a refused chown is ignored); a rename moves the inode, owner and all.
  const owner = op.kind !== 'rename' && op.before.exists ? ownerToKeep(op.before.owner) : undefined;
  const options: StageOptions = {
    mode: modeOf(op),
    ...(owner === undefined ? {} : { owner }),
    sync,
    withStat: true,
    target: op.target.rel,
    validate: validatorsOf(op.options.validate),
    ...(op.options.encoding === undefined ? {} : { encoding: op.options.encoding }),
    ...(signal === undefined ? {} : { signal }),
  };
  if (op.kind === 'write' && op.data !== undefined) {
    const s = await stageFile(fs, temp, op.data, options);
    op.staged = { sha256: s.sha256, size: s.size };
    op.stagedStat = s.stat;
  } else if (op.kind === 'copy' && op.source !== undefined) {
    // In the kernel (a clone where the filesystem can), hashed from the page cache beside the copy or after it.
    const source = op.source.abs;
    const was = op.sourceBefore;
    // A source the manifest vouches for (or that was hashed when noted) needs no reading, if it is still that file.
    const known: KnownSource | undefined =
      was?.exists === true && was.sha256 !== undefined
        ? { sha256: was.sha256, size: was.size, stillSo: async () => sameFileAs(await fs.lstat(source).catch(() => undefined), was) }
        : undefined;
    const s = await stageCopy(fs, source, temp, { ...options, ...(known === undefined ? {} : { known }), ...(was?.exists === true ? { sourceSize: was.size } : {}) });
    op.staged = { sha256: s.sha256, size: s.size };
    op.stagedStat = s.stat;
  } else if (op.kind === 'rename' && op.source !== undefined) {
    // A second name for the same inode: O(1), and the file keeps its identity, mode and mtime.
    try {
      await fs.link(op.source.abs, temp);
    } catch (e) {
      if (!hasCode(e, 'EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK')) throw e;
      const s = await stageFile(fs, temp, fs.readStream(op.source.abs), { ...options, mode: op.sourceBefore?.exists === true ? op.sourceBefore.mode & 0o7777 : options.mode });
      op.staged = { sha256: s.sha256, size: s.size };
      op.stagedStat = s.stat;
      return;
    }
    // The second name's stat, taken before it is hashed: a change to the file after this (it is the source's inode)
    // then no longer matches what the manifest keeps, and is hashed again rather than vouched for.
    op.stagedStat = await fs.lstat(temp).catch((e: unknown) => {
      throw namingTarget(e, op.target.rel, temp);
    });
    const fp = op.sourceBefore;
    const sha256 = fp?.exists === true && fp.sha256 !== undefined ? fp.sha256 : await hashFile(fs, temp).catch((e: unknown) => {
      throw namingTarget(e, op.target.rel, temp);
    });
    op.staged = { sha256, size: fp?.exists === true ? fp.size : 0 };
  }
  await checkStaged(fs, op, temp);
};

/**
 * The staged temp of `op` checked as its `verify` option asks, before the commit point: 'readback' reads the synced
 * temp back and compares its SHA-256 with what was hashed while writing, 'size' compares its size.
 * @throws TxfsError EINTEGRITY naming the target (the disk did not store what was written), or the read's OS error.
 */
const checkStaged = async (fs: FileSystem, op: PlannedOp, temp: string): Promise<void> => {
  const staged = op.staged;
  const how = op.options.verify;
  if (staged === undefined || how === undefined || how === 'none' || how === 'checksum') return;
  const actual = how === 'readback' ? { sha256: await hashFile(fs, temp), size: staged.size } : { sha256: staged.sha256, size: (await fs.stat(temp)).size };
  if (actual.sha256 !== staged.sha256 || actual.size !== staged.size) {
    throw new TxfsError('EINTEGRITY', `EINTEGRITY: ${op.target.rel}: the staged file read back does not hold what was written (${how}: sha256 ${actual.sha256}, size ${actual.size}; expected ${staged.sha256}, ${staged.size}); nothing was replaced — the disk may be failing`, { path: op.target.rel });
  }
};

/**
 * Step 3: creates the directories of `mkdir` operations (in order), then stages every write, copy and rename,
 * at most `MAX_FILES_AT_ONCE` at a time (with step 4), each temp in its target's own directory, synced unless `options.sync` is false.
 * @throws TxfsError EVALIDATION, EABORTED, ESOURCE, ENOSPC, EIO … naming the target (every staging has settled by then).
 */
export const stageOps = async (ctx: StoreContext, ops: readonly PlannedOp[], signal: AbortSignal | undefined, { sync }: { readonly sync: boolean }): Promise<void> => {
  for (const op of ops) {
    if (op.kind !== 'mkdir' || op.skipped || op.before.exists) continue;
    await ctx.env.fs.mkdir(op.target.abs);
  }
  const files = ops.filter((op) => !op.skipped && op.temp !== undefined && op.sidecarOf === undefined);
  await eachWithin(transactionBudget(ops), files, (op) => stageOne(ctx, op, signal, sync).then(() => keepCurrentCopy(ctx, op, sync)));
  // Sidecars hold the checksum of what was just staged.
  const sidecars = ops.filter((op) => !op.skipped && op.temp !== undefined && op.sidecarOf !== undefined);
  for (const op of sidecars) {
    const main = ops[op.sidecarOf ?? -1];
    if (main?.staged === undefined) throw new TypeError(`sidecar ${op.target.rel} has no staged file to describe`);
    op.data = checksumLine(main.target.abs, main.staged.sha256);
  }
  await eachWithin(transactionBudget(ops), sidecars, (op) => stageOne(ctx, op, signal, sync).then(() => keepCurrentCopy(ctx, op, sync)));
  const copies = ops.flatMap((op) => (op.skipped || op.current === undefined ? [] : [backupAbs(ctx, op.current)]));
  if (sync && copies.length > 0) await syncBackupDirs(ctx, copies);
};

/**
 * `backups.keepCurrent`: a verified copy of the staged temp (a clone where the filesystem can, never a link) in the
 * backup store, made before the commit point so that a failure (ENOSPC) fails the transaction with nothing replaced,
 * and named in the intent so that a roll-back removes it. Indexed as the file's current copy when the transaction commits.
 */
const keepCurrentCopy = async (ctx: StoreContext, op: PlannedOp, sync: boolean): Promise<void> => {
  if (op.skipped || op.current === undefined || op.temp === undefined || op.staged === undefined) return;
  const to = backupAbs(ctx, op.current);
  await keepCopy(ctx.env.fs, op.temp, to, { sync, expected: op.staged, what: op.target.rel }).catch((e: unknown) => {
    throw namingTarget(e, op.target.rel, to);
  });
};

/** The backup's directories that must be fsynced: each backup's parent, and theirs up to the backup directory. */
const backupDirsToSync = (ctx: StoreContext, files: readonly string[]): string[] => {
  const dirs = new Set<string>();
  for (const f of files) {
    for (let d = path.dirname(f); ; d = path.dirname(d)) {
      dirs.add(d);
      if (d === ctx.backupDir || !d.startsWith(ctx.backupDir) || path.dirname(d) === d) break;
    }
  }
  return [...dirs];
};

/** The content of a target's backup: the manifest's checksum when it vouches for the file, else hashed. */
export const noteBackupContent = async (ctx: StoreContext, op: PlannedOp, size: number, { trustManifest }: { readonly trustManifest: boolean }): Promise<void> => {
  if (op.backup === undefined) return;
  const fp = op.before;
  const known = trustManifest && fp.exists ? fp.sha256 : undefined;
  op.backupContent = { sha256: known ?? (await hashFile(ctx.env.fs, backupAbs(ctx, op.backup))), size };
  op.backupAt = ctx.env.now();
  // Not what the store last wrote there (corrupted, or changed behind its back): never a default restore. The entry
  // seen when the operation was added may be older than a transaction that committed before this one took its lock:
  // a content that is not vouched for is compared with the manifest as it is now (the lock holds it still).
  // A hash taken when the file was noted is no word of the manifest's: another transaction may have renamed the file
  // in and not yet finished (its manifest entry comes with its lock's release). Only an entry describing this very file vouches.
  const vouched = known !== undefined && fp.exists && matchesManifest(fp, op.manifest);
  const key = manifestKey(op.target.rel);
  const m = vouched || op.manifest === undefined ? op.manifest : decodeRecordIfPresent(key, await ctx.env.journal.get(key), ManifestEntry);
  op.backupDamaged = m !== undefined && (m.sha256 !== op.backupContent.sha256 || m.size !== size);
};

/** Fsyncs the directories holding `files` (absolute backup paths), each once. */
export const syncBackupDirs = (ctx: StoreContext, files: readonly string[]): Promise<void> =>
  allOrFirstError(backupDirsToSync(ctx, files).map((d) => syncDirBatched(ctx.env.fs, d)));

/**
 * Throws a `permission` conflict (ECONFLICT) when the file at `abs` is immutable or append-only (`chattr +i` / `+a`):
 * opening it for writing is EPERM, even for root. Other refusals (EACCES) do not stop a rename over it.
 */
const refuseImmutable = async (fs: FileSystem, abs: string, rel: string, op: PlannedOp): Promise<void> => {
  let fh;
  try {
    fh = await fs.open(abs, 'r+');
  } catch (e) {
    if (!hasCode(e, 'EPERM')) return;
    const refusal = conflictError({ kind: 'permission', path: rel }, 'the file is immutable or append-only (EPERM): it cannot be replaced or removed; clear the flag with chattr -i / -a');
    // A rename's source cannot be skipped alone: only the operation's own target is the callback's to decide.
    if (rel !== op.target.rel) throw refusal;
    await askPermission(op, refusal);
    return;
  }
  await fh.close();
};

/**
 * Step 4: preserves every target that will be replaced or deleted (and every rename's source) in the backup
 * store — a hard link where possible — with its checksum, at most `MAX_FILES_AT_ONCE` at a time (with step 3), then fsyncs each backup
 * directory once.
 * @throws TxfsError ENOSPC, EIO, EACCES … naming the file backed up (every backup has settled by then).
 */
export const protectOps = async (ctx: StoreContext, ops: readonly PlannedOp[]): Promise<void> => {
  const { fs } = ctx.env;
  const made: string[] = [];
  // A file that vanished since the transaction looked at it cannot be backed up: that is a concurrent change, and
  // it fails the transaction before anything is replaced (the step-5 policies never see it: there is no backup to
  // keep, so 'overwrite' could not keep the promise that the replaced version is kept).
  const preserve = async (op: PlannedOp, abs: string, rel: string, to: string): Promise<{ size: number }> => {
    const made = await preserveFile(fs, abs, to).catch((e: unknown) => {
      if (hasCode(e, 'ENOENT')) throw conflictError({ kind: 'changed', path: rel }, 'it was deleted by another program after the transaction looked at it');
      throw namingTarget(e, rel, to);
    });
    // link(2) refuses an immutable or append-only file (EPERM), and so would the rename or unlink after the commit
    // point: when the backup had to be a copy, ask the file itself now, before anything is replaced.
    if (!made.linked) await refuseImmutable(fs, abs, rel, op);
    return made;
  };
  const jobs = ops.flatMap((op): Array<() => Promise<void>> => {
    if (op.skipped) return [];
    const out: Array<() => Promise<void>> = [];
    if (op.backup !== undefined && op.before.exists) {
      const to = backupAbs(ctx, op.backup);
      made.push(to);
      out.push(async () => {
        const { size } = await preserve(op, op.target.abs, op.target.rel, to);
        await noteBackupContent(ctx, op, size, { trustManifest: true }).catch((e: unknown) => {
          throw namingTarget(e, op.target.rel, to);
        });
      });
    }
    const source = op.source;
    if (op.sourceBackup !== undefined && source !== undefined) {
      const to = backupAbs(ctx, op.sourceBackup);
      made.push(to);
      out.push(async () => {
        await preserve(op, source.abs, source.rel, to);
      });
    }
    return out;
  });
  await eachWithin(transactionBudget(ops), jobs, (job) => job());
  await syncBackupDirs(ctx, made);
};
