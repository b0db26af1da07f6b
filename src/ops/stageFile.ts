/**
 * Stage 3 of the commit protocol for one file: stream content into a fresh temp file, hashing while writing,
 * make it durable, validate it. On any failure the temp file is gone before the error surfaces.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { TxfsError, fromOsError, hasCode } from '../errors.js';
import type { FileHandle, FileStat, FileSystem } from '../fs/fileSystem.js';
import { runValidators } from '../integrity/runValidators.js';
import { hashFile, hashOpenFile } from '../integrity/sha256.js';
import type { Data, Validator } from '../types.js';
import { abortedError, throwIfAborted } from './abort.js';
import { chownRefusals, needsModeFix } from './fileMode.js';
import { assertData, inMemoryBytes, isInMemory, toChunks } from './toChunks.js';
import { writeAll } from './writeAll.js';

/** How to stage a file. */
export interface StageOptions {
  /** Exact permission bits of the temp file (the umask does not apply). */
  readonly mode: number;
  /** Encoding of string data; default 'utf8'. */
  readonly encoding?: BufferEncoding;
  readonly signal?: AbortSignal;
  /** fdatasync the temp file before returning; default true. */
  readonly sync?: boolean;
  /**
   * Also return the temp's own stat (`StagedFile.stat`), taken through its handle once its content is complete (a
   * written file: once synced, before it is closed): the file a rename then puts in place, whose mtime and inode a
   * rename leaves as they are. Default false (an atomic write keeps no manifest).
   */
  readonly withStat?: boolean;
  /** Run on the staged content; all must pass. */
  readonly validate?: readonly Validator[];
  /**
   * The user's file the temp stands for: errors name it (in `path` and the message; the temp is mentioned too).
   * Default: the temp itself.
   */
  readonly target?: string;
  /**
   * The owner the temp gets (fchown; the owner of the file it replaces). A refusal — EPERM (not root, or root on a
   * squashing NFS), EINVAL (an id the filesystem cannot store: exFAT, some FUSE and Docker mounts), ENOSYS — is ignored:
   * the file then belongs to the writer, as write-file-atomic does. Unset: the writer owns it.
   */
  readonly owner?: { readonly uid: number; readonly gid: number };
  /**
   * Called with the temp's path once it is created, before anything is written (write-file-atomic's `tmpfileCreated`);
   * awaited. What it throws fails the staging as it is (the temp removed unless `keepOnFailure`).
   */
  readonly onCreated?: (tempPath: string) => unknown;
  /** Leave the temp file in place after a failure (atomically's `tmpPurge: false`); default false: it is removed. */
  readonly keepOnFailure?: boolean;
  /**
   * Called once everything is written, as the fdatasync starts: work on the directory started then (a listing) does
   * not hold up the temp's creation, and is done before the rename needs the directory again.
   */
  readonly whileSyncing?: () => void;
}

/** A temp file holding the complete, synced, validated new content. */
export interface StagedFile {
  readonly tempPath: string;
  readonly size: number;
  /** SHA-256 of the content, lowercase hex, computed while writing. */
  readonly sha256: string;
  /** The temp's own stat once its content was complete (`StageOptions.withStat`). */
  readonly stat?: FileStat;
}

/** Errors of the data source (the stream being written, a copy's source file): they name what failed there. */
const fromSource = new WeakSet<object>();

const sourceError = (e: unknown, target: string): TxfsError => {
  const err =
    e instanceof TxfsError
      ? e
      : new TxfsError('ESOURCE', `ESOURCE: the data being written to ${target} failed while it was read: ${e instanceof Error ? e.message : String(e)}; nothing was replaced`, {
          path: target,
          cause: e,
        });
  fromSource.add(err);
  return err;
};

/**
 * `e`, an error about the user's file `target` met while working on the internal file `through` (its temp or its
 * backup), naming `target` in `path` and in the message (`through` is mentioned as well). An error that already names
 * `target`, or that is not a TxfsError, is returned as it is.
 */
export const namingTarget = (e: unknown, target: string, through: string): unknown => {
  if (!(e instanceof TxfsError) || e.path === target) return e;
  const both = `${target}, through ${basename(through)}`;
  const message = e.path !== undefined && e.path !== '' && e.message.includes(e.path) ? e.message.split(e.path).join(both) : `${e.message} (${both})`;
  return new TxfsError(e.code, message, {
    path: target, syscall: e.syscall, conflict: e.conflict, validator: e.validator, line: e.line, column: e.column, holder: e.holder, key: e.key, cause: e.cause ?? e,
  });
};

/** Runs a callback of the caller's; what it throws (or rejects with) surfaces as it is, like a source's error. */
const callersStep = async (f: () => unknown): Promise<void> => {
  try {
    await f();
  } catch (e) {
    const err = typeof e === 'object' && e !== null ? e : new Error(String(e));
    fromSource.add(err);
    throw err;
  }
};

/** Next chunk of `it`, or EABORTED as soon as `signal` fires while the source is still thinking. */
const nextChunk = (it: AsyncIterator<Uint8Array>, signal: AbortSignal | undefined, target: string): Promise<IteratorResult<Uint8Array>> => {
  const next = it.next().catch((e: unknown) => Promise.reject(sourceError(e, target)));
  if (signal === undefined) return next;
  return new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(signal, target));
    signal.addEventListener('abort', onAbort, { once: true });
    next.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
};

/**
 * How many bytes of a stream go to the file in one write: the chunks a source yields (64 KiB for a file stream) are
 * copied into one of two buffers of this size, one filling while the other is written, so a stream costs a thread-pool
 * round trip per MiB rather than per chunk, and reading the source overlaps writing the file. The copy also means a
 * source may reuse its chunk's memory once it has yielded it.
 */
export const STREAM_BATCH = 1024 * 1024;

/** Writes every chunk of `data`, returning size and hash. */
const pump = async (fh: FileHandle, data: Data, options: StageOptions, tempPath: string, target: string): Promise<{ size: number; sha256: string }> => {
  const hash = createHash('sha256');
  let size = 0;
  const it = toChunks(data, options.encoding)[Symbol.asyncIterator]();
  // Allocated as needed: a stream of a few bytes takes one buffer, only a stream past a batch takes the second.
  let filling: Buffer | undefined;
  let spare: Buffer | undefined;
  let filled = 0;
  // The write of the other buffer in flight; settled before that buffer is filled again, and before any return.
  let writing: Promise<void> = Promise.resolve();
  const flush = async (full: Buffer): Promise<void> => {
    await writing;
    writing = writeAll(fh, full.subarray(0, filled), tempPath);
    // Its failure is met at the next flush, or at the end; until then it must not count as unhandled.
    writing.catch(() => undefined);
    [filling, spare] = [spare, full];
    filled = 0;
  };
  try {
    for (;;) {
      throwIfAborted(options.signal, target);
      const r = await nextChunk(it, options.signal, target);
      if (r.done === true) break;
      const chunk = r.value;
      hash.update(chunk);
      size += chunk.byteLength;
      for (let at = 0; at < chunk.byteLength; ) {
        const into = (filling ??= Buffer.allocUnsafe(STREAM_BATCH));
        const n = Math.min(STREAM_BATCH - filled, chunk.byteLength - at);
        into.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === STREAM_BATCH) await flush(into);
      }
    }
    if (filled > 0 && filling !== undefined) await flush(filling);
    await writing;
  } catch (e) {
    // Release the source (a Node stream is destroyed); do not wait for a source that may hang. A write still in
    // flight settles before the handle is closed.
    void it.return?.().catch(() => undefined);
    await writing.catch(() => undefined);
    throw e;
  }
  return { size, sha256: hash.digest('hex') };
};

/** Gives the open temp its owner (where the backend and the system allow), before any mode bit a chown would clear is set. */
const chownTemp = async (fh: FileHandle, owner: StageOptions['owner']): Promise<void> => {
  if (owner === undefined || fh.chown === undefined) return;
  try {
    await fh.chown(owner.uid, owner.gid);
  } catch (e) {
    if (!hasCode(e, ...chownRefusals)) throw e;
  }
};

/**
 * Removes a temp file after a failure. The failure being handled is the error the caller must see, so a close or
 * unlink error here does not replace it (a store's journal still names the temp for recovery to remove).
 */
const discard = async (fs: FileSystem, fh: FileHandle | undefined, tempPath: string): Promise<void> => {
  if (fh !== undefined) await fh.close().catch(() => undefined);
  await fs.unlink(tempPath).catch(() => undefined);
};

/**
 * Streams `data` into a new temp file `tempPath` (created with O_CREAT | O_EXCL | O_NOFOLLOW, exactly `mode`, and
 * `owner` where given and allowed),
 * looping over short writes and hashing while writing; fdatasyncs it (unless `sync: false`); runs the validators
 * on the staged content (in-memory data is validated before the file is even created; a stream is read back).
 * An fsync error is never retried. On any failure the temp file is closed and unlinked, then the error is thrown,
 * naming `options.target` (the temp mentioned beside it); a source's own error names what failed there. A validator
 * still running when `options.signal` fires is left behind: EABORTED at once.
 * @throws TxfsError EVALIDATION, EABORTED, ESOURCE (the data stream threw), EEXIST (temp name taken), ENOENT (no directory),
 *   ENOSPC, EIO, EACCES, EROFS … from the file system; TypeError when `data` is not Data (nothing is created).
 */
export const stageFile = async (fs: FileSystem, tempPath: string, data: Data, options: StageOptions): Promise<StagedFile> => {
  assertData(data);
  const validators = options.validate ?? [];
  const target = options.target ?? tempPath;
  const validation = { path: target, ...(options.signal === undefined ? {} : { signal: options.signal }) };
  throwIfAborted(options.signal, target);
  let bytes: Uint8Array | undefined;
  if (isInMemory(data)) {
    bytes = inMemoryBytes(data, options.encoding);
    if (validators.length > 0) await runValidators(validators, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), validation);
  }
  const fh = await fs.open(tempPath, 'wx', options.mode).catch((e: unknown) => {
    throw namingTarget(e, target, tempPath);
  });
  let open: FileHandle | undefined = fh;
  try {
    if (options.onCreated !== undefined) await callersStep(() => options.onCreated?.(tempPath));
    await chownTemp(fh, options.owner);
    // A chown clears setuid and setgid: the mode is set after it.
    if (needsModeFix(options.mode, options.owner)) await fs.chmod(tempPath, options.mode & 0o7777);
    let size: number;
    let digest: () => string;
    if (bytes !== undefined) {
      const written = bytes;
      await writeAll(fh, written, tempPath);
      size = written.byteLength;
      // Hashed while the fdatasync runs on the thread pool (below); a stream is hashed as it is written.
      digest = () => createHash('sha256').update(written).digest('hex');
    } else {
      const streamed = await pump(fh, data, options, tempPath, target);
      size = streamed.size;
      digest = () => streamed.sha256;
    }
    throwIfAborted(options.signal, target);
    options.whileSyncing?.();
    const syncing = options.sync !== false ? fh.datasync() : undefined;
    const sha256 = digest();
    await syncing;
    const stat = options.withStat === true ? await fh.stat() : undefined;
    open = undefined;
    await fh.close();
    if (bytes === undefined && validators.length > 0) await runValidators(validators, await fs.readFile(tempPath), validation);
    throwIfAborted(options.signal, target);
    return { tempPath, size, sha256, ...(stat === undefined ? {} : { stat }) };
  } catch (e) {
    if (options.keepOnFailure === true) await open?.close().catch(() => undefined);
    else await discard(fs, open, tempPath);
    // Every file system call here is on the temp: what failed is the writing of `target` (a source's error is its own).
    throw fromSource.has(e as object) ? e : namingTarget(fromOsError(e, tempPath), target, tempPath);
  }
};

/** What is already known of a copy's source: its content, while `stillSo` says the source has not changed since. */
export interface KnownSource {
  readonly sha256: string;
  readonly size: number;
  /** True when the source is still the file `sha256` describes (its size, mtime and inode as they were). */
  readonly stillSo: () => Promise<boolean>;
}

/** A copy's source opened to be read beside the copy: the file it was as it was opened, and its SHA-256 to come. */
interface SourceRead {
  readonly was: FileStat;
  /** Never rejects: undefined when the read failed (the copy is then read instead). */
  readonly sha256: Promise<string | undefined>;
}

/** From this size up, a copy's source is read beside the copy, not the copy after it. */
export const READ_BESIDE_MIN = 1024 * 1024;

/** True when `now` is still the regular file `was`: same inode, size and mtime. */
const sameFile = (now: FileStat | undefined, was: FileStat): boolean =>
  now !== undefined && now.kind === 'file' && now.ino === was.ino && now.dev === was.dev && now.size === was.size && now.mtimeMs === was.mtimeMs;

/**
 * Opens `source` and starts hashing it through that handle (closed once read); undefined when it cannot be opened as a
 * regular file (the copy then says why).
 */
const readSource = async (fs: FileSystem, source: string): Promise<SourceRead | undefined> => {
  const fh = await fs.open(source, 'r').catch(() => undefined);
  if (fh === undefined) return undefined;
  const was = await fh.stat().catch(() => undefined);
  if (was?.kind !== 'file') {
    await fh.close().catch(() => undefined);
    return undefined;
  }
  const sha256 = hashOpenFile(fh).then(
    (h) => h,
    () => undefined,
  );
  return { was, sha256: sha256.finally(() => fh.close().catch(() => undefined)) };
};

/**
 * Stages a copy of the file `source` into a new temp file `tempPath` in the kernel (copy_file_range, a reflink clone
 * where the filesystem can: `copyFile` with `exclusive` and `clone`), never through a JS read/write loop; then gives
 * it `mode` and `owner` and fdatasyncs it, as `stageFile` does. Its SHA-256 is `known`'s when the source is still the
 * file that describes (nothing is read). A source nothing vouches for is read from the page cache and hashed while
 * the kernel copies it and the copy's fdatasync runs, when it was at least `READ_BESIDE_MIN` bytes as noted
 * (`sourceSize`). It is opened before the copy starts, so that a rename over it during the copy is seen: that hash is
 * the copy's when the path still names the file opened (inode, size, mtime) once both are done and the copy has its
 * size. Otherwise the copy itself is read and hashed, beside its fdatasync. Validators read the staged file. On any
 * failure the temp file is gone before the error surfaces. A copy that has begun runs to its end before
 * `options.signal` is looked at again.
 * @throws TxfsError ESOURCE (the source cannot be read), EVALIDATION, EABORTED, EEXIST, ENOSPC, EIO, EACCES, EROFS …
 */
export const stageCopy = async (
  fs: FileSystem,
  source: string,
  tempPath: string,
  options: StageOptions & { readonly known?: KnownSource; readonly sourceSize?: number },
): Promise<StagedFile> => {
  const target = options.target ?? tempPath;
  throwIfAborted(options.signal, target);
  const validators = options.validate ?? [];
  // Reading the source (a CPU core hashing) beside the copy (the kernel, another core).
  const beside = options.known === undefined && validators.length === 0 && (options.sourceSize ?? 0) >= READ_BESIDE_MIN ? await readSource(fs, source) : undefined;
  try {
    await fs.copyFile(source, tempPath, { exclusive: true, clone: true });
  } catch (e) {
    await beside?.sha256;
    await discard(fs, undefined, tempPath);
    // The source cannot be read (gone, a directory, refused): the source's error; anything else is the temp's.
    const readable = await fs.open(source, 'r').then((h) => h.close().then(() => true), () => false);
    throw readable ? namingTarget(fromOsError(e, tempPath), target, tempPath) : sourceError(e, target);
  }
  let open: FileHandle | undefined;
  try {
    open = await fs.open(tempPath, 'r+');
    const fh = open;
    await chownTemp(fh, options.owner);
    // The copy has its source's mode: a chmod only when another is asked for, or a chown cleared setuid / setgid.
    const st = await fh.stat();
    if ((st.mode & 0o7777) !== (options.mode & 0o7777) || (options.owner !== undefined && (options.mode & 0o6000) !== 0)) await fs.chmod(tempPath, options.mode & 0o7777);
    let content: { readonly sha256: string; readonly size: number };
    if (validators.length > 0) {
      const bytes = await fs.readFile(tempPath);
      await runValidators(validators, bytes, { path: target, ...(options.signal === undefined ? {} : { signal: options.signal }) });
      content = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength };
      if (options.sync !== false) await fh.datasync();
    } else {
      const known = options.known;
      const size = st.size;
      const vouched = known !== undefined && known.size === size && (await known.stillSo()) ? known.sha256 : undefined;
      const hashing = async (): Promise<string> => {
        if (vouched !== undefined) return vouched;
        const read = await beside?.sha256;
        if (read !== undefined && beside?.was.size === size && sameFile(await fs.lstat(source).catch(() => undefined), beside.was)) return read;
        return hashFile(fs, tempPath);
      };
      // Reading (CPU) and writing back (the disk) at the same time; both settle before a failure is handled (the
      // handle is closed and the temp removed only then).
      const [hashed, synced] = await Promise.allSettled([hashing(), options.sync === false ? undefined : fh.datasync()]);
      if (synced.status === 'rejected') throw synced.reason;
      if (hashed.status === 'rejected') throw hashed.reason;
      content = { sha256: hashed.value, size };
    }
    throwIfAborted(options.signal, target);
    open = undefined;
    await fh.close();
    // The stat taken once the copy was done: the chmod, the reads and the fdatasync since leave its mtime and inode.
    return { tempPath, ...content, ...(options.withStat === true ? { stat: st } : {}) };
  } catch (e) {
    await beside?.sha256;
    await discard(fs, open, tempPath);
    throw fromSource.has(e as object) ? e : namingTarget(fromOsError(e, tempPath), target, tempPath);
  }
};
