/**
 * The LMDB journal (lmdb-js), in `<stateDir>/journal`. The only file importing `lmdb`.
 *
 * LMDB opens and maps its own files: this is the one accepted exception to "all disk access goes
 * through FileSystem" — a crash simulator stands in for the whole journal instead. What is read of those files before
 * LMDB maps them (`lmdbFiles.ts`: a damaged file must be EJOURNAL, never a SIGSEGV or SIGBUS) goes through FileSystem.
 *
 * Values are stored as raw bytes (`encoding: 'binary'`) holding UTF-8 JSON, and parsed by `record.ts`,
 * so that a damaged value becomes `EJOURNAL` in our decoder rather than a crash in a binary decoder.
 *
 * Durability: the environment is opened with `overlappingSync: false`, so every commit is fsynced before its
 * promise resolves, and `flush()` (awaiting `db.flushed`) finds nothing left to wait for. Measured with
 * `npx tsx bench/journalFlush.ts`, lmdb-js's default `overlappingSync` (commit resolves first, fsync follows in the
 * background, `db.flushed` waits for it) saved nothing here: the next commit waits for the previous fsync anyway,
 * and concurrent commits share one LMDB commit (and one fsync) in both modes. So the simpler and safer mode wins:
 * a durable point cannot be lost to a missing `flush()`. `flush()` still awaits `db.flushed` and is counted in
 * `stats`, so the protocol stays explicit and correct under either mode.
 * Measured again for the transaction bench (`BENCH_AB=1 npx tsx bench/transaction.ts`, contender "(overlappingSync)"):
 * no difference beyond noise for a 10-file transaction or 16 concurrent ones. With lmdb-js 3.5, an asynchronous
 * commit (`transactionAsync`, which `transact` uses) resolves after its `fdatasync` in BOTH modes (seen with
 * `strace -f -e fdatasync`: pwrite of the pages and meta, fdatasync, then the promise), so the `committed` mark costs
 * one fdatasync either way and overlappingSync cannot take it off the commit path; `flush()` right after a commit
 * then resolves at once. Every journal write of the protocol is durable-or-redone by design (DESIGN step 9), so
 * switching modes stays correct: only the intent and the commit point must be durable before the next disk step.
 * Opened with `noSync` (durability 'none'), the journal commits on the event loop instead, the writes of one turn in
 * one synchronous transaction (`turnBatch.ts`): with no fsync to wait for, lmdb-js's handover to its writer thread
 * was most of a commit's cost.
 */
import * as path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { TxfsError } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { nodeFileSystem } from '../fs/node.js';
import { MAX_KEY_BYTES, type Journal, type JournalTxn } from './journal.js';
import { parseValue, serializeValue } from './envelope.js';
import { checkLmdbFiles } from './lmdbFiles.js';
import { turnBatch } from './turnBatch.js';
import { isCommitFailure, lmdbError, lmdbFailure } from './lmdbErrors.js';

/** What `openLmdbJournal` returns: a Journal, plus counters that let tests see the durable points. */
export interface LmdbJournal extends Journal {
  readonly stats: { readonly flushes: number; readonly commits: number };
  /**
   * LMDB's count of write transactions committed in the environment (by any process). Every one of them is fsynced
   * (unless `noSync` or `overlappingSync`): its growth over some work is the fsyncs of the journal that work cost.
   */
  readonly lastTxnId: () => number;
}

/** Options of `openLmdbJournal` (the defaults are what a store uses). */
export interface LmdbJournalOptions {
  /** Default false: every commit waits for its fsync. True: a commit resolves before its fsync; `flush()` waits for it. */
  readonly overlappingSync?: boolean;
  /**
   * Default false. True: no commit is fsynced at all (durability 'none': a crash of the process loses nothing, a power
   * cut may lose or damage the journal); not with `overlappingSync`. One environment of this process is shared by every
   * open of its directory, so an open that asks otherwise than the open one is refused (EINVAL).
   */
  readonly noSync?: boolean;
  /** Through which the environment's files are checked before LMDB maps them (default: the node adapter, since LMDB uses the real disk). */
  readonly fs?: FileSystem;
}

export { MAX_KEY_BYTES } from './journal.js';

const checkKey = (key: string): void => {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new TxfsError('ENAMETOOLONG', `ENAMETOOLONG: journal key longer than ${MAX_KEY_BYTES} bytes: ${key.slice(0, 80)}…`, { key });
  }
};

const readValue = (db: Database<Buffer, string>, key: string): unknown => {
  const bytes = db.get(key);
  return bytes === undefined ? undefined : parseValue(key, bytes);
};

const readRange = (db: Database<Buffer, string>, prefix: string, where?: (key: string) => boolean): Array<{ key: string; value: unknown }> => {
  const out: Array<{ key: string; value: unknown }> = [];
  // Keys sort by UTF-8 bytes: scan from the prefix and stop at the first key outside it.
  for (const { key, value } of db.getRange(prefix === '' ? {} : { start: prefix })) {
    if (typeof key !== 'string' || !key.startsWith(prefix)) break;
    if (where === undefined || where(key)) out.push({ key, value: parseValue(key, value) });
  }
  return out;
};

/**
 * Opens (creating if needed) the LMDB journal in directory `dir`, its files checked first (`checkLmdbFiles`).
 * Errors: `EJOURNAL` (a damaged or truncated environment, a journal file that cannot be opened for writing: found
 * before LMDB maps anything, so the process lives on), an errno code (ENOTDIR, EACCES, …) for the directory.
 */
export const openLmdbJournal = (dir: string, options: LmdbJournalOptions = {}): Promise<LmdbJournal> => {
  // One open of a directory at a time in this process: a check that opens and closes the lock file must not overlap
  // an environment being opened (closing any descriptor of the lock file drops this process's POSIX locks on it).
  const where = path.resolve(dir);
  const opened = (opening.get(where) ?? Promise.resolve()).then(() => openChecked(where, options));
  const settled = opened.then(
    () => undefined,
    () => undefined,
  );
  opening.set(where, settled);
  void settled.then(() => {
    if (opening.get(where) === settled) opening.delete(where);
  });
  return opened;
};

/** Environments this process has open, per directory (lmdb-js shares one environment between them). */
const openHere = new Map<string, number>();
/** Whether the environment this process has open in a directory skips fsync (`noSync`). */
const syncModeHere = new Map<string, boolean>();
/** The open in progress per directory. */
const opening = new Map<string, Promise<unknown>>();

const openChecked = async (dir: string, options: LmdbJournalOptions): Promise<LmdbJournal> => {
  const fs = options.fs ?? nodeFileSystem;
  const overlappingSync = options.overlappingSync ?? false;
  const noSync = options.noSync ?? false;
  if (noSync && overlappingSync) throw new TypeError('openLmdbJournal: noSync and overlappingSync exclude each other');
  const shared = syncModeHere.get(dir);
  if ((openHere.get(dir) ?? 0) > 0 && shared !== undefined && shared !== noSync) {
    throw new TxfsError(
      'EINVAL',
      `EINVAL: the journal in ${dir} is open in this process ${shared ? 'without fsync (durability \'none\')' : 'with fsync'}; ` +
        'a store on it with another durability must wait until that one is closed',
      { path: dir },
    );
  }
  // lmdb-js cannot survive LMDB refusing the files (SIGSEGV), nor LMDB reading a truncated file (SIGBUS): prove first.
  await checkLmdbFiles(fs, dir, { overlappingSync, inUse: (openHere.get(dir) ?? 0) > 0 });
  let root: RootDatabase<Buffer, string>;
  try {
    root = open<Buffer, string>({
      path: dir,
      noSubdir: false,
      encoding: 'binary',
      overlappingSync,
      ...(noSync ? { noSync } : {}),
      // With event-turn batching, lmdb-js starts each batch with a write promise of its own that nobody awaits: a
      // commit that fails (ENOSPC) rejects it, and the unhandled rejection ends the process. Without it, writes of one
      // turn still share one commit (lmdb-js queues them for setImmediate), and every rejection reaches its caller.
      eventTurnBatching: false,
    });
  } catch (e) {
    throw lmdbError(e, dir);
  }
  openHere.set(dir, (openHere.get(dir) ?? 0) + 1);
  syncModeHere.set(dir, noSync);
  const db: Database<Buffer, string> = root;
  const stats = { flushes: 0, commits: 0 };
  let closed = false;
  // Without fsync, a commit on this thread costs less than lmdb-js's handover to its writer thread (turnBatch.ts).
  const batch = noSync ? turnBatch(db) : undefined;

  const guard = async <T>(what: () => T | Promise<T>, key?: string): Promise<T> => {
    if (closed) throw new TxfsError('EJOURNAL', `EJOURNAL: the journal in ${dir} is closed`, { path: dir, key });
    try {
      return await what();
    } catch (e) {
      throw await lmdbFailure(fs, e, dir, key);
    }
  };

  const txnView: JournalTxn = {
    get: (key) => readValue(db, key),
    put: (key, value) => {
      checkKey(key);
      db.putSync(key, serializeValue(key, value));
    },
    remove: (key) => {
      db.removeSync(key);
    },
    range: (prefix, where) => readRange(db, prefix, where),
  };

  return {
    stats,
    lastTxnId: () => (root.getStats() as { readonly lastTxnId: number }).lastTxnId,
    get: (key) => guard(() => readValue(db, key), key),
    range: (prefix) => guard(() => readRange(db, prefix)),
    // The callback runs inside LMDB's write transaction, whose lock is shared by every process mapping the
    // environment: reads see the latest committed state and nobody else commits in between.
    // A child transaction, so that a callback that throws leaves nothing behind even when lmdb-js batched it
    // into one commit with other writes (with plain `transaction()` its earlier puts would still commit).
    // What the callback throws comes back unchanged; only LMDB's own failures are mapped.
    transact: async <T>(fn: (txn: JournalTxn) => T): Promise<T> => {
      let failure: { readonly error: unknown } | undefined;
      try {
        return await guard(async () => {
          stats.commits++;
          const body = (): T => {
            try {
              return fn(txnView);
            } catch (error) {
              failure = { error };
              throw error;
            }
          };
          return batch === undefined ? db.childTransaction(body) : batch.run(body);
        });
      } catch (e) {
        throw failure === undefined ? e : failure.error;
      }
    },
    put: async (key, value) => {
      // A value JSON cannot hold is the caller's TypeError, thrown before LMDB is asked (never wrapped as an OS error).
      const bytes = serializeValue(key, value);
      return guard(async () => {
        checkKey(key);
        stats.commits++;
        await (batch === undefined ? db.put(key, bytes) : batch.run(() => db.putSync(key, bytes)));
      }, key);
    },
    remove: (key) =>
      guard(async () => {
        stats.commits++;
        await (batch === undefined ? db.remove(key) : batch.run(() => db.removeSync(key)));
      }, key),
    flush: () =>
      guard(async () => {
        stats.flushes++;
        await db.flushed;
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      batch?.drain();
      try {
        // After a failed commit `flushed` rejects with that failure until the next commit; the failure was already
        // given to every caller whose write it held, and is no reason for close to fail.
        await Promise.resolve(db.flushed).catch((e: unknown) => {
          if (!isCommitFailure(e)) throw e;
        });
        await root.close();
      } catch (e) {
        throw await lmdbFailure(fs, e, dir);
      } finally {
        const left = (openHere.get(dir) ?? 1) - 1;
        if (left > 0) openHere.set(dir, left);
        else {
          openHere.delete(dir);
          syncModeHere.delete(dir);
        }
      }
    },
  };
};
