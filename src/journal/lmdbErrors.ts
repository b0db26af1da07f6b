/**
 * How what lmdb-js throws becomes a TxfsError: page damage is EJOURNAL, an errno keeps its name, a failed commit
 * gives its real reason, and a full disk is ENOSPC even where LMDB can only say EIO.
 */
import { constants } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TxfsError, fromOsError, hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { unlinkIfPresent } from '../fs/unlinkIfPresent.js';

const damage = /MDB_(CORRUPTED|PAGE_NOTFOUND|INVALID|VERSION_MISMATCH|BAD_TXN|BAD_VALSIZE|BAD_DBI|PANIC)/;

const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The errno name of an lmdb-js error (LMDB gives OS failures as positive errno numbers, its own as negative codes). */
const errnoOf = (e: unknown): string | undefined => {
  const errno = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof errno === 'number' ? errnoNames.get(errno) : undefined;
};

/** True for lmdb-js's "Commit failed": every write of that commit was rejected with it, so its callers have it. */
export const isCommitFailure = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { commitError?: unknown }).commitError instanceof Promise;

/**
 * A failed commit rejects every write in it with "Commit failed" and puts the reason in a second promise,
 * `commitError`, which would crash the process as an unhandled rejection if nobody listened: take the reason.
 */
export const commitFailure = async (e: unknown): Promise<unknown> => {
  if (!isCommitFailure(e)) return e;
  const reason = (e as { commitError: Promise<unknown> }).commitError.then(
    () => e,
    (r: unknown) => r,
  );
  return Promise.race([reason, sleep(1000, e, { ref: false })]);
};

/** Maps an error thrown by lmdb-js: page damage is EJOURNAL, an errno (ENOSPC, EACCES…) keeps its code. */
export const lmdbError = (e: unknown, dir: string, key?: string): TxfsError => {
  if (e instanceof TxfsError) return e;
  const name = errnoOf(e);
  if (name !== undefined) return fromOsError(Object.assign(new Error(name), { code: name, cause: e }), dir, 'lmdb');
  const message = e instanceof Error ? e.message : String(e);
  if (damage.test(message)) {
    return new TxfsError('EJOURNAL', `EJOURNAL: the journal in ${dir} is damaged (${message}); the store refuses to guess`, {
      path: dir,
      key,
      cause: e,
    });
  }
  return fromOsError(e, dir, 'lmdb');
};

const PROBE_BYTES = 64 * 1024;
/** Probes of this process so far: each has a name of its own (the writes of one failed commit are probed at once). */
let probes = 0;

/** Whether a write of PROBE_BYTES in `dir` fails for want of space (the probe file is removed either way). */
const outOfSpace = async (fs: FileSystem, dir: string): Promise<boolean> => {
  const probe = path.join(dir, `.space-probe-${process.pid}-${probes++}`);
  try {
    const fh = await fs.open(probe, 'wx', 0o600);
    try {
      const bytes = Buffer.alloc(PROBE_BYTES);
      for (let done = 0; done < PROBE_BYTES; ) {
        const n = await fh.write(bytes, done, PROBE_BYTES - done, done);
        if (n === 0) return true;
        done += n;
      }
      await fh.datasync();
    } finally {
      await fh.close();
    }
    return false;
  } catch (e) {
    return hasCode(e, 'ENOSPC', 'EDQUOT');
  } finally {
    await unlinkIfPresent(fs, probe).catch(() => undefined);
  }
};

/**
 * The error of a failed LMDB call: `lmdbError`, except that LMDB's bare EIO of a short write — how a filesystem that
 * fills up in the middle of a commit shows ("short write, filesystem full?" in mdb.c; a failed write instead says
 * "Attempting to write page …") — is ENOSPC when a small write beside the journal is refused for want of space too.
 */
export const lmdbFailure = async (fs: FileSystem, e: unknown, dir: string, key?: string): Promise<TxfsError> => {
  const reason = await commitFailure(e);
  const bareEio = errnoOf(reason) === 'EIO' && reason instanceof Error && !reason.message.includes('Attempting');
  if (bareEio && (await outOfSpace(fs, dir))) {
    return new TxfsError('ENOSPC', `ENOSPC: the disk holding the journal in ${dir} is full (LMDB could write only part of a commit): free some space and try again`, {
      path: dir,
      key,
      syscall: 'lmdb',
      cause: reason,
    });
  }
  return lmdbError(reason, dir, key);
};
