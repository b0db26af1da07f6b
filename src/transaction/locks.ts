/**
 * The lock table: one journal record per locked path (`lock/<path>`), naming the transaction and process
 * that hold it. Locks are taken all or none in one journal transaction, so two transactions (in one process
 * or in several) never hold overlapping sets; a lock whose holder died is recognised as stale and broken.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Env } from '../env.js';
import { TxfsError } from '../errors.js';
import type { JournalTxn } from '../journal/journal.js';
import { decodeLock, encodeLock, lockKey, lockPrefix, type LockRecord } from '../journal/records/lockRecord.js';
import { openKey } from '../journal/records/txRecord.js';

/** Who asks for locks: a transaction of this process (its pid comes from `env.processes`). */
export interface LockOwner {
  readonly txId: string;
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
  /**
   * Run when a lock in the way belongs to a dead process whose transaction is still open (recovery, which finishes it
   * and releases its locks); without it, such a lock is waited for like a live one.
   */
  readonly onDeadHolder?: (() => Promise<unknown>) | undefined;
}

/** The owner of the locks of transaction `txId` in this process. */
export const lockOwner = (txId: string, label = ''): LockOwner => ({ txId, label });

/** "pid N (label) [on host H] since ISO-time": how an ELOCKED error and a Conflict name a holder. */
export const describeHolder = (lock: LockRecord): string =>
  `pid ${lock.pid}${lock.label === '' ? '' : ` (${lock.label})`}${lock.host === undefined ? '' : ` on host ${lock.host}`} since ${new Date(lock.since).toISOString()}`;

/** True when `lock` was taken by this process under its current lease, or no lease is in play (one host). */
const underOwnLease = (env: Env, lock: LockRecord): boolean => {
  const stamp = env.processes.stamp?.();
  return stamp === undefined || lock.lease === undefined || lock.lease === stamp.lease;
};

const readLock = (txn: JournalTxn, path: string): LockRecord | undefined => {
  const key = lockKey(path);
  const raw = txn.get(key);
  return raw === undefined ? undefined : decodeLock(key, raw);
};

/**
 * Removes the lock on each path if it is still held by the same transaction; with `orphansOnly`, only when that
 * transaction has no open record (a dead holder's unfinished transaction keeps its locks until recovery finishes it).
 * Without it (a release of this process's own locks), a lock of the same transaction that another host's recovery
 * took over (another lease) stays: it is that recovery's.
 */
const breakLocks = (env: Env, stale: ReadonlyArray<{ path: string; txId: string }>, { orphansOnly }: { readonly orphansOnly: boolean }): Promise<number> =>
  env.journal.transact((txn) => {
    let broken = 0;
    for (const { path, txId } of stale) {
      const lock = readLock(txn, path);
      if (lock?.txId !== txId || (orphansOnly && txn.get(openKey(txId)) !== undefined) || (!orphansOnly && !underOwnLease(env, lock))) continue;
      txn.remove(lockKey(path));
      broken++;
    }
    return broken;
  });

const aborted = (paths: readonly string[]): TxfsError =>
  new TxfsError('EABORTED', `EABORTED: gave up waiting for the lock on ${paths.join(', ')}: the operation was aborted`, {
    path: paths[0],
  });

/** The lock record `owner` writes now (with the host and lease, on a journal shared by several hosts). */
const lockRecordOf = async (env: Env, owner: LockOwner): Promise<LockRecord> => {
  const procStart = await env.processes.startTime();
  const stamp = env.processes.stamp?.();
  return {
    txId: owner.txId,
    pid: env.processes.pid,
    procStart,
    label: owner.label,
    since: env.now(),
    ...(stamp === undefined ? {} : { host: stamp.host, lease: stamp.lease }),
  };
};

/**
 * Inside a journal transaction: the locks of `paths` that another transaction holds; when there are none, every lock
 * of `paths` is written for `record` (all or none). Throws EJOURNAL for a damaged lock record.
 */
const takeIn = (txn: JournalTxn, paths: readonly string[], record: LockRecord): Array<{ path: string; lock: LockRecord }> => {
  const held = paths.flatMap((path) => {
    const lock = readLock(txn, path);
    return lock === undefined || lock.txId === record.txId ? [] : [{ path, lock }];
  });
  if (held.length === 0) for (const path of paths) txn.put(lockKey(path), encodeLock(path, record));
  // Someone waits for these: their holder is told so (`LockRecord.contended`).
  for (const { path, lock } of held) if (lock.contended !== true) txn.put(lockKey(path), encodeLock(path, { ...lock, contended: true }));
  return held;
};

/**
 * How long a path whose lock was found waited for counts as waited for (ms). Longer than a waiter's longest pause
 * between two looks (`acquireLocks`: 50 ms): a waiter marks the lock of the transaction it finds, and the holder's
 * next transactions on that path, taken between two of its looks, are not marked yet.
 */
export const WAITED_FOR_MS = 200;
/** Per store (its environment): path → until when (monotonic ms) it counts as waited for. */
const waitedUntil = new WeakMap<Env, Map<string, number>>();

/**
 * Whether another transaction waits, or waited a moment ago (`WAITED_FOR_MS`), for one of the locks `txId` holds on
 * `paths` (`LockRecord.contended`).
 */
export const waitedFor = async (env: Env, txId: string, paths: readonly string[]): Promise<boolean> => {
  const locks = await Promise.all(paths.map(async (p) => {
    const raw = await env.journal.get(lockKey(p));
    return raw === undefined ? undefined : decodeLock(lockKey(p), raw);
  }));
  const now = performance.now();
  const until = waitedUntil.get(env) ?? new Map<string, number>();
  waitedUntil.set(env, until);
  for (const [p, t] of until) if (t <= now) until.delete(p);
  paths.forEach((p, i) => {
    const l = locks[i];
    if (l?.txId === txId && l.contended === true) until.set(p, now + WAITED_FOR_MS);
  });
  return paths.some((p) => until.has(p));
};

/**
 * Takes every lock of `paths` for `owner` and runs `write`, in one journal transaction, without waiting; false
 * (nothing written) when another transaction holds one of the locks. Throws EJOURNAL for a damaged lock record.
 */
export const tryLockWith = async (env: Env, paths: readonly string[], owner: LockOwner, write: (txn: JournalTxn) => void): Promise<boolean> => {
  env.processes.markRunning(owner.txId);
  const record = await lockRecordOf(env, owner);
  return env.journal.transact((txn) => {
    if (takeIn(txn, paths, record).length > 0) return false;
    write(txn);
    return true;
  });
};

/** Removes, inside a journal transaction, the locks `txId` holds on `paths` (others' locks are left alone). */
export const releaseIn = (txn: JournalTxn, txId: string, paths: readonly string[]): void => {
  for (const p of paths) if (readLock(txn, p)?.txId === txId) txn.remove(lockKey(p));
};

/**
 * Takes the locks on every path for `owner`, all or none, waiting up to `options.timeoutMs` (polling with a
 * growing pause) while another live transaction holds one. A lock whose holder is dead is broken on the way when its
 * transaction is finished; when it is still open, the lock passes only through recovery (`options.onDeadHolder`), so
 * that nobody commits over a half-applied transaction that a later recovery would roll over the newer content.
 * Locks `owner` already holds count as taken. Marks `owner.txId` running (see `Processes.markDone`). Errors: `ELOCKED`
 * (`holder` = "pid N (label) since …", `path`), `EABORTED` when `options.signal` fires, `EJOURNAL` for a damaged lock record.
 */
export const acquireLocks = async (env: Env, paths: readonly string[], owner: LockOwner, options: AcquireOptions): Promise<void> => {
  const wanted = [...new Set(paths)];
  if (wanted.length === 0) return;
  // A transaction taking locks is running; its caller marks it done when it ends (or dies).
  env.processes.markRunning(owner.txId);
  // The deadline runs on the monotonic clock: env.now may be a fixed test clock, which would never time out.
  const deadline = performance.now() + options.timeoutMs;
  let pause = 2;
  let recovered = false;
  for (;;) {
    if (options.signal?.aborted === true) throw aborted(wanted);
    const record = await lockRecordOf(env, owner);
    const blockers = await env.journal.transact((txn) => takeIn(txn, wanted, record));
    if (blockers.length === 0) return;

    const alive = await Promise.all(blockers.map(({ lock }) => env.processes.isAlive(lock)));
    const stale = blockers.filter((_, i) => alive[i] === false).map(({ path, lock }) => ({ path, txId: lock.txId }));
    if (stale.length > 0 && (await breakLocks(env, stale, { orphansOnly: true })) > 0) continue;
    const unfinished = stale.length > 0;
    // What is left of the stale ones belongs to unfinished transactions of dead processes: recovery's to finish (once:
    // a recovery that could not finish it reported why, and the lock is then waited for like any other).
    if (unfinished && options.onDeadHolder !== undefined && !recovered) {
      recovered = true;
      await options.onDeadHolder();
      continue;
    }

    const first = blockers[0];
    if (first !== undefined && performance.now() >= deadline) {
      const holder = describeHolder(first.lock);
      const why = unfinished ? `, a process that is gone and left its transaction ${first.lock.txId} unfinished; run recovery (txfs recover)` : '';
      throw new TxfsError('ELOCKED', `ELOCKED: ${first.path} is locked by ${holder}${why}; gave up after ${options.timeoutMs} ms`, {
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
  (await env.journal.range(lockPrefix)).map(({ key, value }) => ({ path: key.slice(lockPrefix.length), ...decodeLock(key, value) }));

/**
 * Releases the locks `txId` holds on `paths` (all of its locks when `paths` is omitted); locks held by
 * others are left alone. Returns how many were released. Errors: `EJOURNAL` for a damaged lock record.
 */
export const releaseLocks = async (env: Env, txId: string, paths?: readonly string[]): Promise<number> => {
  const targets = paths ?? (await readAllLocks(env)).filter((l) => l.txId === txId).map((l) => l.path);
  if (targets.length === 0) return 0;
  return breakLocks(env, [...new Set(targets)].map((path) => ({ path, txId })), { orphansOnly: false });
};

/**
 * Every lock in the journal, in path order, each with whether its holder is gone.
 * Errors: `EJOURNAL` for a damaged lock record.
 */
export const listLocks = async (env: Env): Promise<LockInfo[]> => {
  const locks = await readAllLocks(env);
  const alive = await Promise.all(locks.map((l) => env.processes.isAlive(l)));
  return locks.map((l, i) => ({ ...l, stale: alive[i] === false }));
};

/**
 * Breaks every lock whose holder is gone and whose transaction is finished (used by recovery); the locks of an
 * unfinished transaction stay until recovery takes them over (`adoptLocks`). Returns how many were broken.
 * Errors: `EJOURNAL` for a damaged lock record.
 */
export const breakStaleLocks = async (env: Env): Promise<number> => {
  const stale = (await listLocks(env)).filter((l) => l.stale);
  return stale.length === 0 ? 0 : breakLocks(env, stale, { orphansOnly: true });
};

/**
 * Recovery takes over the locks of the dead transaction `txId` on `paths`, in one journal transaction: each lock is
 * still the one found stale (`seen`: undefined where there was none) or absent, and becomes this process's, under the
 * same transaction id (marked running here), so that it passes on only once recovery has finished the transaction.
 * False (nothing written) when another process took one over first. Errors: `EJOURNAL`.
 */
export const adoptLocks = async (env: Env, txId: string, paths: readonly string[], seen: ReadonlyMap<string, LockRecord>): Promise<boolean> => {
  env.processes.markRunning(txId);
  let adopted = false;
  try {
    const record = await lockRecordOf(env, { txId, label: 'recovery' });
    adopted = await env.journal.transact((txn) => {
      for (const path of paths) {
        const now = readLock(txn, path);
        const was = seen.get(path);
        const same =
          now === undefined
            ? was === undefined
            : was !== undefined && now.txId === was.txId && now.pid === was.pid && now.since === was.since && now.host === was.host && now.lease === was.lease;
        if (!same) return false;
      }
      for (const path of paths) txn.put(lockKey(path), encodeLock(path, record));
      return true;
    });
    return adopted;
  } finally {
    // Not ours after all (or the journal failed): the transaction is not running here.
    if (!adopted) env.processes.markDone(txId);
  }
};
