/**
 * The lock table: one journal record per locked path (`lock/<path>`), naming the transaction and process
 * that hold it. Locks are taken all or none in one journal transaction, so two transactions (in one process
 * or in several) never hold overlapping sets; a lock whose holder died is recognised as stale and broken.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as t from 'io-ts';
import type { Env } from '../env.js';
import { TxfsError } from '../errors.js';
import type { JournalTxn } from '../journal/journal.js';
import { decodeRecord, encodeRecord } from '../journal/envelope.js';
import { isHolderAlive, markRunning, ownProcessStart } from './liveness.js';

export { markDone, markRunning } from './liveness.js';

/** A lock as stored in the journal. */
export const LockRecord = t.type({
  txId: t.string,
  pid: t.number,
  /** Start time of the holding process (`/proc/<pid>/stat` field 22), null where unknown. */
  procStart: t.union([t.string, t.null]),
  label: t.string,
  /** When the lock was taken, epoch milliseconds. */
  since: t.number,
});
export type LockRecord = t.TypeOf<typeof LockRecord>;

/** Who asks for locks: a transaction of this process. */
export interface LockOwner {
  readonly txId: string;
  readonly pid: number;
  readonly label: string;
}

/** A lock as `listLocks` reports it. */
export interface LockInfo extends LockRecord {
  readonly path: string;
  /** True when the holder is certainly gone: the next waiter, or recovery, will break this lock. */
  readonly stale: boolean;
}

/** Options of `acquireLocks`. */
export interface AcquireOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

const prefix = 'lock/';

/** The journal key of the lock on `path`. */
export const lockKey = (path: string): string => `${prefix}${path}`;

/** The owner of the locks of transaction `txId` in this process. */
export const lockOwner = (txId: string, label = ''): LockOwner => ({ txId, pid: process.pid, label });

/** "pid N (label) since ISO-time": how an ELOCKED error and a Conflict name a holder. */
export const describeHolder = (lock: LockRecord): string =>
  `pid ${lock.pid}${lock.label === '' ? '' : ` (${lock.label})`} since ${new Date(lock.since).toISOString()}`;

const readLock = (txn: JournalTxn, path: string): LockRecord | undefined => {
  const key = lockKey(path);
  const raw = txn.get(key);
  return raw === undefined ? undefined : decodeRecord(key, raw, LockRecord);
};

/** Removes the lock on each path if it is still held by the same transaction that was found stale. */
const breakLocks = (env: Env, stale: ReadonlyArray<{ path: string; txId: string }>): Promise<number> =>
  env.journal.transact((txn) => {
    let broken = 0;
    for (const { path, txId } of stale) {
      if (readLock(txn, path)?.txId === txId) {
        txn.remove(lockKey(path));
        broken++;
      }
    }
    return broken;
  });

const aborted = (paths: readonly string[]): TxfsError =>
  new TxfsError('EABORTED', `EABORTED: gave up waiting for the lock on ${paths.join(', ')}: the operation was aborted`, {
    path: paths[0],
  });

/**
 * Takes the locks on every path for `owner`, all or none, waiting up to `options.timeoutMs` (polling with a
 * growing pause) while another live transaction holds one; a lock whose holder is dead is broken on the way.
 * Locks `owner` already holds count as taken. Marks `owner.txId` running (see `markDone`). Errors: `ELOCKED` (`holder` = "pid N (label) since …", `path`),
 * `EABORTED` when `options.signal` fires, `EJOURNAL` for a damaged lock record.
 */
export const acquireLocks = async (env: Env, paths: readonly string[], owner: LockOwner, options: AcquireOptions): Promise<void> => {
  const wanted = [...new Set(paths)];
  if (wanted.length === 0) return;
  // A transaction taking locks is running; its caller marks it done when it ends (or dies).
  if (owner.pid === process.pid) markRunning(owner.txId);
  const procStart = await ownProcessStart(env.fs);
  // The deadline runs on the monotonic clock: env.now may be a fixed test clock, which would never time out.
  const deadline = performance.now() + options.timeoutMs;
  let pause = 2;
  for (;;) {
    if (options.signal?.aborted === true) throw aborted(wanted);
    const record: LockRecord = { txId: owner.txId, pid: owner.pid, procStart, label: owner.label, since: env.now() };
    const blockers = await env.journal.transact((txn) => {
      const held = wanted.flatMap((path) => {
        const lock = readLock(txn, path);
        return lock === undefined || lock.txId === owner.txId ? [] : [{ path, lock }];
      });
      if (held.length === 0) for (const path of wanted) txn.put(lockKey(path), encodeRecord(lockKey(path), LockRecord, record));
      return held;
    });
    if (blockers.length === 0) return;

    const alive = await Promise.all(blockers.map(({ lock }) => isHolderAlive(env.fs, lock)));
    const stale = blockers.filter((_, i) => alive[i] === false).map(({ path, lock }) => ({ path, txId: lock.txId }));
    if (stale.length > 0) {
      // Broken now, or changed hands since we looked: either way the table moved on, so try again at once.
      await breakLocks(env, stale);
      continue;
    }

    const first = blockers[0];
    if (first !== undefined && performance.now() >= deadline) {
      const holder = describeHolder(first.lock);
      throw new TxfsError('ELOCKED', `ELOCKED: ${first.path} is locked by ${holder}; gave up after ${options.timeoutMs} ms`, {
        path: first.path,
        holder,
      });
    }
    try {
      await sleep(Math.min(pause, Math.max(1, deadline - performance.now())), undefined, { signal: options.signal });
    } catch {
      throw aborted(wanted);
    }
    pause = Math.min(pause * 2, 50);
  }
};

const readAllLocks = async (env: Env): Promise<Array<LockRecord & { path: string }>> =>
  (await env.journal.range(prefix)).map(({ key, value }) => ({ path: key.slice(prefix.length), ...decodeRecord(key, value, LockRecord) }));

/**
 * Releases the locks `txId` holds on `paths` (all of its locks when `paths` is omitted); locks held by
 * others are left alone. Returns how many were released. Errors: `EJOURNAL` for a damaged lock record.
 */
export const releaseLocks = async (env: Env, txId: string, paths?: readonly string[]): Promise<number> => {
  const targets = paths ?? (await readAllLocks(env)).filter((l) => l.txId === txId).map((l) => l.path);
  if (targets.length === 0) return 0;
  return breakLocks(env, [...new Set(targets)].map((path) => ({ path, txId })));
};

/**
 * Every lock in the journal, in path order, each with whether its holder is gone.
 * Errors: `EJOURNAL` for a damaged lock record.
 */
export const listLocks = async (env: Env): Promise<LockInfo[]> => {
  const locks = await readAllLocks(env);
  const alive = await Promise.all(locks.map((l) => isHolderAlive(env.fs, l)));
  return locks.map((l, i) => ({ ...l, stale: alive[i] === false }));
};

/**
 * Breaks every lock whose holder is gone (used by recovery); returns how many were broken.
 * Errors: `EJOURNAL` for a damaged lock record.
 */
export const breakStaleLocks = async (env: Env): Promise<number> => {
  const stale = (await listLocks(env)).filter((l) => l.stale);
  return stale.length === 0 ? 0 : breakLocks(env, stale);
};
