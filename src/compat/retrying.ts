/**
 * atomically's `timeout`: the calls that open, write, rename and read are tried again while they fail with an error
 * that may pass (EMFILE, ENFILE, EAGAIN, EBUSY, EACCES, EPERM — too many open files, a file held by another program),
 * until `timeout` ms have passed since the call began; 0 or -1: never. An fsync is never tried again: after a failed
 * fsync the kernel may have dropped the dirty pages, and a second fsync that succeeds would say nothing of them.
 */
import { hasCode } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/fileSystem.js';
import type { SyncFileHandle, SyncFileSystem } from '../fs/syncFileSystem.js';

/** The errors atomically tries again. */
export const retriedCodes: readonly string[] = ['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EACCES', 'EPERM'];

/** How long to keep trying, and the longest pause between two tries (each pause is drawn up to it), in ms. */
export interface RetryPolicy {
  readonly timeout: number;
  readonly interval: number;
}

/** The pause before the next try of a call that began at `started` and failed with `error`, or undefined: give up. */
export const retryPause = (policy: RetryPolicy, error: unknown, started: number, now: number): number | undefined => {
  if (policy.timeout <= 0 || !hasCode(error, ...retriedCodes) || now - started >= policy.timeout) return undefined;
  return Math.min(Math.round(policy.interval * Math.random()), Math.max(policy.timeout - (now - started), 0));
};

const retry = async <A>(policy: RetryPolicy, f: () => Promise<A>): Promise<A> => {
  const started = Date.now();
  for (;;) {
    try {
      return await f();
    } catch (e) {
      const pause = retryPause(policy, e, started, Date.now());
      if (pause === undefined) throw e;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
};

const sleeper = new Int32Array(new SharedArrayBuffer(4));

const retrySync = <A>(policy: RetryPolicy, f: () => A): A => {
  const started = Date.now();
  for (;;) {
    try {
      return f();
    } catch (e) {
      const pause = retryPause(policy, e, started, Date.now());
      if (pause === undefined) throw e;
      if (pause > 0) Atomics.wait(sleeper, 0, 0, pause);
    }
  }
};

/** `d` without its `platform`: see `retryingFileSystem`. */
const posix = <D extends { readonly platform?: string }>(d: D): D => {
  const { platform: _platform, ...rest } = d;
  return rest as D;
};

/** `fs` without its `renameSync`: a rename at once would not be tried again (and a retry must not block the thread). */
const retriedRenames = (fs: FileSystem): FileSystem => {
  const rest = { ...fs };
  delete rest.renameSync;
  return rest;
};

/**
 * `fs` with `open`, a handle's `write`, `rename` and `readFile` tried again under `policy`; every other call as it is,
 * but for `renameSync`, which it has not (every rename goes through the retried one).
 * It names no platform: the policy is the one retry of its renames, on Windows too (the write's own win32 retry of
 * EPERM, EACCES and EBUSY would multiply it, and `timeout: 0` means no retry there either, as with atomically).
 * @throws nothing itself; its calls reject as `fs`'s do once the policy gives up.
 */
export const retryingFileSystem = (fs: FileSystem, policy: RetryPolicy): FileSystem => {
  const handle = (h: FileHandle): FileHandle => ({ ...h, write: (b, o, l, p) => retry(policy, () => h.write(b, o, l, p)) });
  return {
    ...posix(retriedRenames(fs)),
    open: async (path, flags, mode) => handle(await retry(policy, () => fs.open(path, flags, mode))),
    rename: (from, to) => retry(policy, () => fs.rename(from, to)),
    readFile: (path) => retry(policy, () => fs.readFile(path)),
  };
};

/**
 * `retryingFileSystem` for the synchronous door (the thread sleeps between tries; no platform either).
 * @throws as `fs`'s calls do once the policy gives up.
 */
export const retryingSyncFileSystem = (fs: SyncFileSystem, policy: RetryPolicy): SyncFileSystem => {
  const handle = (h: SyncFileHandle): SyncFileHandle => ({ ...h, write: (b, o, l, p) => retrySync(policy, () => h.write(b, o, l, p)) });
  return {
    ...posix(fs),
    open: (path, flags, mode) => handle(retrySync(policy, () => fs.open(path, flags, mode))),
    rename: (from, to) => retrySync(policy, () => fs.rename(from, to)),
    readFile: (path) => retrySync(policy, () => fs.readFile(path)),
  };
};
