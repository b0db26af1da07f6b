/**
 * The lock table's record: one per locked path (`lock/<path>`), naming the transaction and process that hold it
 * (and, on a journal shared by several hosts, the host and the lease).
 */
import * as t from 'io-ts';
import { decodeRecord, encodeRecord, type RecordEnvelope } from '../envelope.js';

/** A lock as stored in the journal. */
export const LockRecord = t.intersection([
  t.type({
    txId: t.string,
    pid: t.number,
    /** Start time of the holding process (`/proc/<pid>/stat` field 22), null where unknown. */
    procStart: t.union([t.string, t.null]),
    label: t.string,
    /** When the lock was taken, epoch milliseconds. */
    since: t.number,
  }),
  t.partial({
    /** On a journal shared by several hosts (`txfs/postgres`): the holder's host id and the lease it held. */
    host: t.string,
    lease: t.string,
    /**
     * Set by a transaction that found the lock held and waits for it. Its holder then releases it in a journal commit of
     * its own, not riding on its next one (`journal/riding.ts`): the waiter gets its turn between two of the holder's.
     */
    contended: t.literal(true),
  }),
]);
/** A lock as stored in the journal. */
export type LockRecord = t.TypeOf<typeof LockRecord>;

/** Key prefix of the lock table. */
export const lockPrefix = 'lock/';

/** The journal key of the lock on `path`. */
export const lockKey = (path: string): string => `${lockPrefix}${path}`;

/** The stored form of the lock on `path`. */
export const encodeLock = (path: string, lock: LockRecord): RecordEnvelope => encodeRecord(lockKey(path), LockRecord, lock);

/** Decodes a lock read at `key`. Throws `EJOURNAL`. */
export const decodeLock = (key: string, raw: unknown): LockRecord => decodeRecord(key, raw, LockRecord);
