/**
 * Journal writes that need no flush of their own ride on the next commit (DESIGN "Group commit and durability").
 *
 * A transaction's finish record (DESIGN step 9: committed, manifest, backup index, locks released) is redone by
 * recovery when it is lost, so nothing waits for it to be durable. Written at once, it still cost a whole journal
 * commit — with LMDB two flushes (the pages, then the meta page) — that the next transaction's intent waited behind.
 * Here it is held instead, and issued with the next write of the journal, in the same turn: lmdb-js puts writes of
 * one turn into one commit, so both share one commit and its flushes, each in its own child transaction (a write
 * that throws does not undo the other).
 *
 * Ordering: a held write is issued before any write asked for after it, so whatever is durable later holds it too.
 * A commit that names this one's locks, manifest entries or index entries comes after it in the same commit or in a
 * later one.
 *
 * A held write is issued at the latest after `waitMs` (its locks stay held that long), or at once while someone
 * waits for it (`draining`: a later call of the same store on one of its paths, `close()`, an inspection). Reads
 * do not issue it: until it has committed, readers see the journal as a reader in another process sees a
 * transaction that has not finished yet, which the protocol allows for everywhere (a manifest entry not yet written
 * only means a file is hashed instead of trusted).
 */
import type { Journal, JournalTxn } from './journal.js';

/** A Journal that also holds writes until the next commit. */
export interface RidingJournal extends Journal {
  /**
   * Runs `fn` as `transact` would, in the next commit of this journal (or after `waitMs`, or once someone drains):
   * resolves with its result once that commit has, rejects as `transact` would.
   */
  readonly ride: <T>(fn: (txn: JournalTxn) => T) => Promise<T>;
  /** Runs `wait`; until it settles, held writes are issued at once (someone is waiting for them). */
  readonly draining: <T>(wait: () => Promise<T>) => Promise<T>;
  /** The writes held now (none issued yet). */
  readonly held: () => number;
  /** The journal it holds writes for. */
  readonly inner: Journal;
}

/** How long a write needing no flush waits for a commit to ride on, at most (ms). */
export const RIDE_MS = 5;

interface Rider {
  readonly fn: (txn: JournalTxn) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** `inner`, with `ride`: see the module's comment. Closing it issues what it holds, then closes `inner`. */
export const ridingJournal = (inner: Journal, { waitMs = RIDE_MS }: { readonly waitMs?: number } = {}): RidingJournal => {
  let queue: Rider[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waiting = 0;
  /** Issued and not settled yet: close waits for them. */
  const inFlight = new Set<Promise<unknown>>();
  const issue = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const riders = queue;
    queue = [];
    for (const r of riders) {
      // Called now, in this turn, so that lmdb-js takes it into the same commit as the write that follows.
      const p = inner.transact(r.fn).then(r.resolve, r.reject);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  };
  const before = <T>(write: () => Promise<T>): Promise<T> => {
    issue();
    return write();
  };
  return {
    get: (key) => inner.get(key),
    range: (prefix) => inner.range(prefix),
    transact: (fn) => before(() => inner.transact(fn)),
    put: (key, value) => before(() => inner.put(key, value)),
    remove: (key) => before(() => inner.remove(key)),
    // A flush covers what was committed before it: a held write is not, so a flush does not issue it.
    flush: () => inner.flush(),
    close: async () => {
      issue();
      // Their failures went to their callers.
      await Promise.all(inFlight);
      await inner.close();
    },
    ...(inner.processes === undefined ? {} : { processes: inner.processes }),
    ride: <T>(fn: (txn: JournalTxn) => T): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
        if (waiting > 0) issue();
        else timer ??= setTimeout(issue, waitMs);
      }),
    draining: async <T>(wait: () => Promise<T>): Promise<T> => {
      waiting++;
      issue();
      try {
        return await wait();
      } finally {
        waiting--;
      }
    },
    held: () => queue.length,
    inner,
  };
};
