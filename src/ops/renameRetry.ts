/**
 * Renames on Windows: an antivirus scanner, a search indexer or a backup agent that has the target (or the temp) open
 * makes rename fail with EPERM, EACCES or EBUSY for a moment (write-file-atomic #28, electron-store #271). There the
 * rename is tried again with a bounded backoff; elsewhere these errors mean what they say and fail at once.
 */
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import type { SyncFileSystem } from '../fs/syncFileSystem.js';

/** The errors of a rename that a file held open by another process gives on Windows. */
const transient = ['EPERM', 'EACCES', 'EBUSY'];

/** The longest a rename is retried on Windows, in ms: beyond it the error is the caller's. */
export const RENAME_RETRY_BUDGET_MS = 10_000;

/**
 * The wait before retry `attempt` (0 for the first retry) of a rename that failed with `error` on `platform`, after
 * `waited` ms of earlier waits: 10 ms doubling up to 500 ms, while the budget lasts; undefined when it must not be retried.
 */
export const renameRetryDelay = (platform: string | undefined, error: unknown, attempt: number, waited: number): number | undefined => {
  if (platform !== 'win32' || !hasCode(error, ...transient) || waited >= RENAME_RETRY_BUDGET_MS) return undefined;
  return Math.min(10 * 2 ** Math.min(attempt, 16), 500, RENAME_RETRY_BUDGET_MS - waited);
};

/**
 * `fs.rename(from, to)`, retried on Windows while the error is transient (see `renameRetryDelay`). `atOnce`: with
 * `fs.renameSync` where the backend has one, on the event loop (never on Windows, whose retries wait without blocking).
 * @throws TxfsError of the last attempt: EPERM, EACCES, EBUSY (after the budget on Windows), ENOENT, EXDEV, EIO …
 */
export const renameWithRetry = async (
  fs: Pick<FileSystem, 'rename' | 'renameSync' | 'platform'>,
  from: string,
  to: string,
  { atOnce = false }: { readonly atOnce?: boolean } = {},
): Promise<void> => {
  const renameSync = atOnce && fs.platform !== 'win32' ? fs.renameSync?.bind(fs) : undefined;
  if (renameSync !== undefined) return renameSync(from, to);
  for (let attempt = 0, waited = 0; ; attempt++) {
    try {
      return await fs.rename(from, to);
    } catch (e) {
      const delay = renameRetryDelay(fs.platform, e, attempt, waited);
      if (delay === undefined) throw e;
      waited += delay;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
};

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * `renameWithRetry`, synchronously (the thread sleeps between attempts).
 * @throws as `renameWithRetry`.
 */
export const renameWithRetrySync = (fs: Pick<SyncFileSystem, 'rename' | 'platform'>, from: string, to: string): void => {
  for (let attempt = 0, waited = 0; ; attempt++) {
    try {
      return fs.rename(from, to);
    } catch (e) {
      const delay = renameRetryDelay(fs.platform, e, attempt, waited);
      if (delay === undefined) throw e;
      waited += delay;
      Atomics.wait(sleeper, 0, 0, delay);
    }
  }
};
