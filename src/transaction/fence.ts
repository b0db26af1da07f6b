/**
 * Fencing on a journal shared by several hosts: a process whose lease lapsed may have had its locks broken or taken
 * over by another host; its commit point checks, in the same journal transaction that writes it, that every lock it
 * needs is still its own under its current lease. The journal itself refuses the write when that lease has lapsed
 * by the time it commits (`txfs/postgres`), so the check and the commit cannot be separated by a pause.
 */
import type { Env } from '../env.js';
import { TxfsError } from '../errors.js';
import type { JournalTxn } from '../journal/journal.js';
import { decodeLock, lockKey } from '../journal/records/lockRecord.js';
import type { TxRecord } from '../journal/records/txRecord.js';
import { describeHolder } from './locks.js';

/**
 * Inside the commit point's journal transaction: refuses when a lock transaction `rec` needs is no longer its own
 * under this process's current lease — broken, or taken over by another host, after the lease lapsed (this process
 * was paused or cut off from the database for longer than the lease) — so that a fenced holder never commits over
 * whoever holds its paths now. On one host (no lease) there is nothing to fence.
 * Errors: `ELOCKED` (`path`, `holder`: the new holder, or this process under its lapsed lease), `EJOURNAL`.
 */
export const fenceIn = (txn: JournalTxn, env: Env, rec: TxRecord): void => {
  const stamp = env.processes.stamp?.();
  if (stamp === undefined) return;
  const paths = new Set(rec.ops.flatMap((op) => (op.skipped === true ? [] : op.source === undefined ? [op.target] : [op.target, op.source])));
  for (const path of [...paths].sort()) {
    const raw = txn.get(lockKey(path));
    const lock = raw === undefined ? undefined : decodeLock(lockKey(path), raw);
    if (lock !== undefined && lock.txId === rec.id && lock.lease === stamp.lease) continue;
    const why =
      lock === undefined
        ? 'is no longer locked by it (its lock was broken)'
        : lock.txId === rec.id && lock.host === stamp.host && lock.pid === env.processes.pid
          ? 'is locked only under its lapsed lease, which any other host may break'
          : `is now locked by ${describeHolder(lock)}`;
    throw new TxfsError(
      'ELOCKED',
      `ELOCKED: ${path} ${why}: this process's lease on the shared journal lapsed before transaction ${rec.id} reached its commit point (paused or cut off from the database for longer than the lease), so it was not committed`,
      { path, ...(lock === undefined ? {} : { holder: describeHolder(lock) }) },
    );
  }
};
