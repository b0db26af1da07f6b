/**
 * write-file-atomic 7's API on txfs's write, on the doors to the disk it is given (the entry
 * `txfs/compat/write-file-atomic` gives the real disk's; a test can give a fault injector).
 */
import type { FileSystem } from '../fs/fileSystem.js';
import type { SyncFileSystem } from '../fs/syncFileSystem.js';
import { writeFileAtomicWith } from '../ops/atomicWrite.js';
import { writeFileAtomicSyncWith } from '../ops/atomicWriteSync.js';
import type { TempHooks } from '../ops/tempHooks.js';
import { checkFunction, compatData, compatOptionsObject, reportWarnings, sharedOptions, type CompatData, type EngineCall, type SharedOptions } from './compatOptions.js';

/** write-file-atomic's options. */
export interface WriteFileAtomicOptions extends SharedOptions {
  /** Called with the temp file's path once it is created; awaited (a rejection or a throw fails the write and removes the temp). */
  readonly tmpfileCreated?: ((tmpfile: string) => unknown) | undefined;
}

/** The callback of the callback form: an error, or nothing once the file is written. */
export type WriteFileAtomicCallback = (error?: Error) => void;

/** The default export: the function, with its synchronous form as `.sync`. */
export interface WriteFileAtomic {
  (filename: string, data: CompatData | AsyncIterable<Uint8Array> | NodeJS.ReadableStream, callback: WriteFileAtomicCallback): Promise<void>;
  (filename: string, data: CompatData | AsyncIterable<Uint8Array> | NodeJS.ReadableStream, options?: WriteFileAtomicOptions | BufferEncoding | null, callback?: WriteFileAtomicCallback): Promise<void>;
  /**
   * Writes `data` to `filename` atomically and durably before returning (the same steps, synchronously).
   * @throws TypeError (a wrong argument); TxfsError EINVAL, EISDIR, ENOENT, ENOSPC, EACCES, EPERM, EROFS, EIO …
   */
  readonly sync: (filename: string, data: CompatData, options?: WriteFileAtomicOptions | BufferEncoding | null) => void;
}

/** write-file-atomic's options as txfs's write takes them. */
const engineCall = (where: string, given: unknown): EngineCall => {
  const o = compatOptionsObject(where, given);
  checkFunction(where, 'options.tmpfileCreated', o.tmpfileCreated);
  const created = o.tmpfileCreated as TempHooks['created'];
  return { ...sharedOptions(where, o), temp: created === undefined ? {} : { created } };
};

/** The doors to the disk a compat API writes through. */
export interface Doors {
  readonly fs: FileSystem;
  readonly syncFs: SyncFileSystem;
}

/**
 * write-file-atomic's default export (with `.sync`) writing through `doors`: see `writeFileAtomic` in the entry.
 * @throws nothing itself; the function it returns rejects (or throws, `.sync`) as described there.
 */
export const writeFileAtomicOn = (doors: Doors): WriteFileAtomic => {
  const writeAsync = async (filename: string, data: unknown, options: unknown): Promise<void> => {
    const where = 'writeFileAtomic';
    const call = engineCall(where, options);
    const bytes = compatData(where, data, { streams: true });
    reportWarnings(await writeFileAtomicWith(doors.fs, filename, bytes, call.options, { temp: call.temp, owner: call.owner }));
  };
  const sync = (filename: string, data: CompatData, options?: WriteFileAtomicOptions | BufferEncoding | null): void => {
    const where = 'writeFileAtomic.sync';
    const call = engineCall(where, options);
    const bytes = compatData(where, data, { streams: false });
    reportWarnings(writeFileAtomicSyncWith(doors.syncFs, filename, bytes, call.options, { temp: call.temp, owner: call.owner }));
  };
  const write = (filename: string, data: unknown, options?: unknown, callback?: unknown): Promise<void> => {
    const [opts, cb] = typeof options === 'function' ? [undefined, options] : [options, callback];
    const done = writeAsync(filename, data, opts);
    if (cb === undefined) return done;
    if (typeof cb !== 'function') return Promise.reject(new TypeError(`writeFileAtomic: callback must be a function, got ${typeof cb}`));
    const report = cb as WriteFileAtomicCallback;
    // As write-file-atomic: the callback gets the error, or nothing; the promise then settles with the callback.
    return done.then(
      () => report(),
      (e: unknown) => report(e instanceof Error ? e : new Error(String(e))),
    );
  };
  return Object.assign(write as WriteFileAtomic, { sync });
};
