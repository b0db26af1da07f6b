/**
 * The journal: a durable, ordered key-value store holding transaction records, the manifest,
 * the lock table and the backup index. The LMDB implementation lives in `lmdb.ts`; the crash
 * simulator (`txfs/testing`) has an in-memory one with the same durability semantics.
 *
 * Values are JSON-compatible data. The journal itself neither checks nor trusts them: every value read
 * back goes through the io-ts codecs and checksums of `records.ts`.
 *
 * Durability: a resolved `transact`/`put` means the write is *committed* (visible to every reader,
 * in every process) but not necessarily on disk. `flush()` resolves once everything committed before
 * it was called is durable. The commit protocol awaits `flush()` at the intent record and the commit point.
 *
 * The `transact` callback is synchronous, so that LMDB runs it inside its write transaction with nothing to await. A
 * remote journal (`txfs/postgres`) runs it against what the transaction has read so far and runs it again once it has
 * fetched what the callback missed (`postgres/snapshot.ts`): callbacks must be pure functions of what they read.
 */
import type { Processes } from '../env.js';

/** The longest key every Journal accepts, in UTF-8 bytes (LMDB's own limit, lmdb-js's default `maxKeySize`). */
export const MAX_KEY_BYTES = 1978;

/** The synchronous view of the journal inside one atomic journal transaction. */
export interface JournalTxn {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  remove(key: string): void;
  /**
   * Entries whose key starts with `prefix`, in key order; with `where`, only those whose key it accepts. The values of
   * the keys it rejects are not read (nor checked: a damaged one there fails nothing), so a caller after a few keys of a
   * long range pays for those alone.
   */
  range(prefix: string, where?: (key: string) => boolean): Array<{ key: string; value: unknown }>;
}

/** A durable key-value journal. Keys sort as strings. */
export interface Journal {
  get(key: string): Promise<unknown>;
  /** Entries whose key starts with `prefix`, in key order. */
  range(prefix: string): Promise<Array<{ key: string; value: unknown }>>;
  /**
   * Runs `fn` atomically against the journal (across processes sharing it) and commits its writes.
   * `fn` must be synchronous and free of side effects other than on `txn`: it may run again (a remote journal runs it
   * until it has read everything it reads, and keeps only the last run's writes and result).
   */
  transact<T>(fn: (txn: JournalTxn) => T): Promise<T>;
  put(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
  /** Resolves when every write committed before this call is durable on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * A journal shared by several hosts (`txfs/postgres`) says who this process is and whether a lock's holder lives
   * (from the database, not from this machine's process table); a store on it uses this unless given `processes`.
   */
  readonly processes?: Processes;
}
