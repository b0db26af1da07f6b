/**
 * atomically 2's API on txfs's write and read, on the doors to the disk it is given (the entry
 * `txfs/compat/atomically` gives the real disk's; a test can give a fault injector).
 */
import type { FileSystem } from '../fs/fileSystem.js';
import type { SyncFileSystem } from '../fs/syncFileSystem.js';
import { writeFileAtomicWith } from '../ops/atomicWrite.js';
import { writeFileAtomicSyncWith } from '../ops/atomicWriteSync.js';
import { absoluteFilePath } from '../ops/checkPath.js';
import { checkBoolean, checkNumber, optionTypeError } from '../ops/optionChecks.js';
import type { TempHooks } from '../ops/tempHooks.js';
import { checkEncoding } from '../ops/writeOptions.js';
import { checkFunction, compatData, compatOptionsObject, reportWarnings, sharedOptions, type CompatData, type EngineCall, type SharedOptions } from './compatOptions.js';
import { retryingFileSystem, retryingSyncFileSystem, type RetryPolicy } from './retrying.js';
import type { Doors } from './writeFileAtomicOn.js';

/** atomically's write options. */
export interface AtomicallyWriteOptions extends SharedOptions {
  /** Accepted and not followed: txfs always waits for the fsync before the rename (README, "Migrating"). */
  readonly fsyncWait?: boolean | undefined;
  /** Create missing parent directories (default true, as atomically). */
  readonly mkdir?: boolean | undefined;
  /** Resolves when the write may begin, to a function called once it has ended (written or failed). */
  readonly schedule?: ((filePath: string) => Promise<() => void>) | undefined;
  /** How long failing opens, writes and renames are tried again, in ms (default 7500, sync 1000; 0 or -1: never). */
  readonly timeout?: number | undefined;
  /** The temp file's path for the destination (absolute, symlinks resolved); it must be in the same directory. */
  readonly tmpCreate?: ((filePath: string) => string) | undefined;
  /** Called with the temp file's path once it is created; awaited, and a failure fails the write. */
  readonly tmpCreated?: ((filePath: string) => unknown) | undefined;
  /** `false`: keep the temp file after a failed write (default true: removed). */
  readonly tmpPurge?: boolean | undefined;
}

/** atomically's read options. */
export interface AtomicallyReadOptions {
  readonly encoding?: BufferEncoding | null | undefined;
  /** How long a failing read is tried again, in ms (default 7500, sync 1000; 0 or -1: never). */
  readonly timeout?: number | undefined;
}

/** The callback of the callback form of `writeFile`. */
export type AtomicallyCallback = (error?: Error) => void;

/** The functions of `txfs/compat/atomically`. */
export interface Atomically {
  readonly writeFile: {
    (filePath: string, data: CompatData | NodeJS.ReadableStream | AsyncIterable<Uint8Array>, callback?: AtomicallyCallback): Promise<void>;
    (filePath: string, data: CompatData | NodeJS.ReadableStream | AsyncIterable<Uint8Array>, options?: AtomicallyWriteOptions | BufferEncoding | null, callback?: AtomicallyCallback): Promise<void>;
  };
  readonly writeFileSync: (filePath: string, data: CompatData, options?: AtomicallyWriteOptions | BufferEncoding | null) => void;
  readonly readFile: {
    (filePath: string, options: BufferEncoding | (AtomicallyReadOptions & { readonly encoding: BufferEncoding })): Promise<string>;
    (filePath: string, options?: AtomicallyReadOptions | null): Promise<Buffer>;
  };
  readonly readFileSync: {
    (filePath: string, options: BufferEncoding | (AtomicallyReadOptions & { readonly encoding: BufferEncoding })): string;
    (filePath: string, options?: AtomicallyReadOptions | null): Buffer;
  };
}

/** atomically's default timeouts, in ms, and the longest pause between two tries of an asynchronous call. */
const TIMEOUT_ASYNC = 7500;
const TIMEOUT_SYNC = 1000;
const INTERVAL_ASYNC = 200;
const INTERVAL_SYNC = 10;
/** The longest `timeout`: what setTimeout can wait. */
const MAX_TIMEOUT = 2 ** 31 - 1;

const policyOf = (where: string, o: Readonly<Record<string, unknown>>, sync: boolean): RetryPolicy => {
  checkNumber(where, 'options.timeout', o.timeout, { min: -1, max: MAX_TIMEOUT, unit: 'ms', why: '0 or -1: no retries' });
  const timeout = (o.timeout as number | undefined) ?? (sync ? TIMEOUT_SYNC : TIMEOUT_ASYNC);
  return { timeout, interval: sync ? INTERVAL_SYNC : INTERVAL_ASYNC };
};

/** atomically's write options as txfs's write takes them, and the retry policy. */
const engineCall = (where: string, given: unknown, sync: boolean): EngineCall & { readonly policy: RetryPolicy; readonly schedule: AtomicallyWriteOptions['schedule'] } => {
  const o = compatOptionsObject(where, given);
  for (const name of ['schedule', 'tmpCreate', 'tmpCreated']) checkFunction(where, `options.${name}`, o[name]);
  for (const name of ['fsyncWait', 'mkdir', 'tmpPurge']) checkBoolean(where, `options.${name}`, o[name]);
  const shared = sharedOptions(where, o);
  const temp: TempHooks = {
    ...(o.tmpCreate === undefined ? {} : { path: o.tmpCreate as NonNullable<TempHooks['path']> }),
    ...(o.tmpCreated === undefined ? {} : { created: o.tmpCreated as NonNullable<TempHooks['created']> }),
    ...(o.tmpPurge === false ? { keep: true } : {}),
  };
  return {
    options: { ...shared.options, mkdirp: o.mkdir !== false },
    owner: shared.owner,
    temp,
    policy: policyOf(where, o, sync),
    schedule: o.schedule as AtomicallyWriteOptions['schedule'],
  };
};

const readOptionsOf = (where: string, given: unknown, sync: boolean): { readonly encoding: BufferEncoding | undefined; readonly policy: RetryPolicy } => {
  const o = compatOptionsObject(where, given);
  const encoding = o.encoding === null ? undefined : o.encoding;
  checkEncoding(where, 'options.encoding', encoding);
  return { encoding: encoding as BufferEncoding | undefined, policy: policyOf(where, o, sync) };
};

/** One retrying wrapper per timeout, so that writes with the same one share directory fsyncs (`syncDirBatched`). */
const memo = <D extends object>(wrap: (d: D, p: RetryPolicy) => D): ((d: D, p: RetryPolicy) => D) => {
  const made = new WeakMap<D, Map<string, D>>();
  return (d, p) => {
    const byPolicy = made.get(d) ?? new Map<string, D>();
    made.set(d, byPolicy);
    const key = `${p.timeout}/${p.interval}`;
    let w = byPolicy.get(key);
    if (w === undefined) {
      if (byPolicy.size >= 16) byPolicy.clear();
      byPolicy.set(key, (w = wrap(d, p)));
    }
    return w;
  };
};
const retryingAsync = memo<FileSystem>(retryingFileSystem);
const retryingSync = memo<SyncFileSystem>(retryingSyncFileSystem);

/**
 * atomically's four functions reading and writing through `doors`: see the entry `txfs/compat/atomically`.
 * @throws nothing itself; the functions it returns reject (or throw, the sync forms) as described there.
 */
export const atomicallyOn = (doors: Doors): Atomically => {
  const writeAsync = async (filePath: string, data: unknown, options: unknown): Promise<void> => {
    const where = 'writeFile';
    const call = engineCall(where, options, false);
    const bytes = compatData(where, data, { streams: true });
    absoluteFilePath(filePath);
    const dispose = call.schedule === undefined ? undefined : await call.schedule(filePath);
    try {
      const fs = retryingAsync(doors.fs, call.policy);
      reportWarnings(await writeFileAtomicWith(fs, filePath, bytes, call.options, { temp: call.temp, owner: call.owner }));
    } finally {
      if (typeof dispose === 'function') dispose();
    }
  };
  const writeFile = (filePath: string, data: unknown, options?: unknown, callback?: unknown): Promise<void> => {
    const [opts, cb] = typeof options === 'function' ? [undefined, options] : [options, callback];
    if (cb !== undefined && typeof cb !== 'function') return Promise.reject(optionTypeError(`writeFile`, 'callback', 'a function', cb));
    const done = writeAsync(filePath, data, opts);
    // As atomically: the callback gets the error or nothing, and the promise settles as the write did.
    if (cb !== undefined) done.then(() => (cb as AtomicallyCallback)(), (e: unknown) => (cb as AtomicallyCallback)(e instanceof Error ? e : new Error(String(e))));
    return done;
  };
  const writeFileSync = (filePath: string, data: CompatData, options?: AtomicallyWriteOptions | BufferEncoding | null): void => {
    const where = 'writeFileSync';
    const call = engineCall(where, options, true);
    const bytes = compatData(where, data, { streams: false });
    reportWarnings(writeFileAtomicSyncWith(retryingSync(doors.syncFs, call.policy), filePath, bytes, call.options, { temp: call.temp, owner: call.owner }));
  };
  const readFile = async (filePath: string, options?: unknown): Promise<Buffer | string> => {
    const { encoding, policy } = readOptionsOf('readFile', options, false);
    const bytes = await retryingAsync(doors.fs, policy).readFile(absoluteFilePath(filePath));
    return encoding === undefined ? bytes : bytes.toString(encoding);
  };
  const readFileSync = (filePath: string, options?: unknown): Buffer | string => {
    const { encoding, policy } = readOptionsOf('readFileSync', options, true);
    const bytes = retryingSync(doors.syncFs, policy).readFile(absoluteFilePath(filePath));
    return encoding === undefined ? bytes : bytes.toString(encoding);
  };
  return { writeFile, writeFileSync, readFile, readFileSync } as Atomically;
};
