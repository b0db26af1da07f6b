/**
 * The journal's writes of one event-loop turn, committed together by one synchronous write transaction: how the LMDB
 * journal commits when it never fsyncs (durability 'none').
 *
 * lmdb-js's asynchronous commit hands every batch to its writer thread and back twice (to run the callbacks on this
 * thread, then to resolve them). With an fsync to wait for, that keeps the event loop free; without one, the handovers
 * are most of a commit's cost (measured with 16 writes of two keys each: 160 µs of event-loop time as one asynchronous
 * batch, 80 µs as one synchronous transaction with a child transaction per write, 55 µs without the children).
 * Committed at the end of the turn (setImmediate), concurrent writes still share one commit, as lmdb-js's batches do.
 *
 * Each write runs in a child transaction of its own, so that one that throws leaves nothing behind and the others of
 * the turn still commit. Writes commit in the order they were asked for.
 *
 * The price: a commit waits on this thread for LMDB's write lock. While another process sharing the journal holds it
 * (its own commit, with an fsync when it opened the journal with one), this process's event loop waits with it.
 */

/** What a turn batch needs of the database: a synchronous write transaction and, inside it, child transactions. */
export interface SyncWriter {
  transactionSync(body: () => void): unknown;
  childTransaction<T>(body: () => T): T | Promise<T>;
}

/** A queue of writes committed at the end of each turn. */
export interface TurnBatch {
  /**
   * Runs `fn` inside the turn's commit: resolves with its result once that commit has, rejects with what `fn` threw
   * (its writes undone) or with the commit's failure as LMDB gave it (every write of the turn undone).
   */
  run<T>(fn: () => T): Promise<T>;
  /** Commits what is queued now, at once (before the database is closed). */
  drain(): void;
}

interface Job {
  readonly fn: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** A turn batch writing through `db`. */
export const turnBatch = (db: SyncWriter): TurnBatch => {
  let queued: Job[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const drain = (): void => {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    const jobs = queued;
    queued = [];
    if (jobs.length === 0) return;
    const outcomes: Outcome[] = [];
    try {
      db.transactionSync(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: db.childTransaction(job.fn) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // Nothing of the turn committed: a write whose callback threw says why it failed, the others why the commit did
      // (the journal's caller maps that LMDB error, as it maps an asynchronous commit's).
      jobs.forEach((job, i) => {
        const o = outcomes[i];
        job.reject(o !== undefined && !o.ok ? o.error : error);
      });
      return;
    }
    jobs.forEach((job, i) => {
      const o = outcomes[i] as Outcome;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
  };
  return {
    run: <T>(fn: () => T): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        queued.push({ fn, resolve: resolve as (value: unknown) => void, reject });
        scheduled ??= setImmediate(drain);
      }),
    drain,
  };
};
