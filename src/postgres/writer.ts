/**
 * The PostgreSQL journal's one writer: every `transact` of this process goes into a queue, and the queue is committed
 * in batches — each batch one PostgreSQL transaction holding the schema's writer lock (an advisory transaction lock:
 * one writer at a time across every host, as LMDB's writer lock on one host), so that N concurrent transactions of a
 * process share one commit and its WAL flush (group commit). In a batch, each callback runs on top of the writes of
 * the ones before it; one that throws adds nothing and fails alone. The callbacks run against what the transaction
 * has read (`snapshot.ts`) until none misses a read; the writes and COMMIT go in one round trip behind the lease's
 * fence. A COMMIT whose answer was lost with its connection is looked up, under the lock, on the next connection
 * (`leases.last_batch`): it landed (the callers get their results) or it did not (the batch runs again).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { TxfsError } from '../errors.js';
import type { JournalTxn } from '../journal/journal.js';
import type { Lease } from './lease.js';
import { ambiguous, isTransient, refused, sqlState, unreachable } from './pgErrors.js';
import { LEASE_LAPSED } from './schema.js';
import { Snapshot, isComplete, type Misses, type Run } from './snapshot.js';
import { beginSql, commitSql, entriesOf, fetchSql, lastBatchSql, multi } from './sql.js';

/** Rounds of reads one callback may need (each round trip fetches every read the previous run missed). */
const MAX_ROUNDS = 32;
/** Callbacks in one batch. */
const MAX_BATCH = 128;

type Outcome = Run<unknown>['outcome'];

/** An attempt whose writes and COMMIT were sent: under which lease and batch id, with which outcomes. */
interface Sent {
  readonly lease: string;
  readonly batch: string;
  readonly outcomes: readonly Outcome[];
}

/** The lease changed during an attempt: run it again (nothing was written). */
class LeaseChanged extends Error {}

interface Pending {
  readonly fn: (txn: JournalTxn) => unknown;
  readonly settle: (o: Outcome) => void;
}

/** What the writer needs. */
export interface WriterOptions {
  readonly pool: Pool;
  readonly schema: string;
  readonly lease: Lease;
  readonly where: () => string;
  readonly retryMs: number;
  /** How long the server lets a writing transaction sit idle before it ends it (a paused holder of the writer lock). */
  readonly idleMs: number;
}

/** Counters a test or the bench reads. */
export interface WriterStats {
  /** PostgreSQL transactions committed with writes. */
  commits: number;
  /** Callbacks committed (or answered without a write). */
  transactions: number;
  /** Round trips that fetched what callbacks missed. */
  rounds: number;
  /** Attempts made again after a lost connection or a lapsed lease. */
  retries: number;
  /** Commits whose answer was lost and that were found to have landed. */
  foundLanded: number;
}

/** A connection whose socket errors are answered by the query that meets them, never by an unhandled 'error'. */
const quiet = new WeakSet<PoolClient>();
/** Takes a pooled connection. Errors: pg's. */
export const connect = async (pool: Pool): Promise<PoolClient> => {
  const client = await pool.connect();
  if (!quiet.has(client)) {
    client.on('error', () => undefined);
    quiet.add(client);
  }
  return client;
};

/** The pause before attempt `n + 1` (grows to a second). */
export const backoff = (n: number): number => Math.min(1000, 20 * 2 ** Math.min(n, 6)) * (0.5 + Math.random() / 2);

interface Pass {
  readonly writes: Map<string, Buffer | null>;
  readonly misses: { keys: Set<string>; prefixes: Set<string> };
  readonly outcomes: Array<Outcome | undefined>;
}

const runAll = (batch: readonly Pending[], snapshot: Snapshot): Pass => {
  const writes = new Map<string, Buffer | null>();
  const misses = { keys: new Set<string>(), prefixes: new Set<string>() };
  const outcomes = batch.map((p) => {
    const r = snapshot.run(p.fn, writes);
    if (!isComplete(r)) {
      for (const k of r.misses.keys) misses.keys.add(k);
      for (const q of r.misses.prefixes) misses.prefixes.add(q);
      return undefined;
    }
    if (r.outcome.ok) for (const [k, v] of r.writes) writes.set(k, v);
    return r.outcome;
  });
  return { writes, misses, outcomes };
};

const hasMisses = (m: Misses): boolean => m.keys.size > 0 || m.prefixes.size > 0;

/** The one writer of a PostgreSQL journal (see the module comment). */
export class Writer {
  readonly stats: WriterStats = { commits: 0, transactions: 0, rounds: 0, retries: 0, foundLanded: 0 };
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly o: WriterOptions) {}

  /** Queues `fn` for the next batch; resolves with what it returned once committed (rejects with what it threw). */
  submit<T>(fn: (txn: JournalTxn) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // What the callback threw comes back unchanged (whatever it is), as from LMDB.
      this.queue.push({ fn, settle: (o) => (o.ok ? resolve(o.value as T) : reject(o.error)) }); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
      this.running ??= this.drain();
    });
  }

  /** Resolves once every queued callback is settled. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commitBatch(this.queue.splice(0, MAX_BATCH));
    } finally {
      // In the same turn as the last look at the queue: a callback queued after it starts a new drain.
      this.running = undefined;
    }
  }

  /** Settles every callback of `batch`, retrying what a lost connection or a lapsed lease interrupted. Never throws. */
  private async commitBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    // An attempt whose writes and COMMIT were on their way when its connection went: did they land?
    const state: { unsure: Sent | undefined; sent: Sent | undefined } = { unsure: undefined, sent: undefined };
    for (let attempt = 0; ; attempt++) {
      let client: PoolClient | undefined;
      let broken = false;
      state.sent = undefined;
      try {
        client = await connect(this.o.pool);
        const outcomes = await this.attempt(client, batch, state);
        batch.forEach((p, i) => p.settle(outcomes[i] as Outcome));
        this.stats.transactions += batch.length;
        return;
      } catch (e) {
        broken = isTransient(e);
        if (client !== undefined && !broken) await client.query('ROLLBACK').catch(() => (broken = true));
        const lapsed = sqlState(e) === LEASE_LAPSED || e instanceof LeaseChanged;
        if (state.sent !== undefined && isTransient(e)) state.unsure = state.sent;
        const { unsure } = state;
        const outOfTime = performance.now() - started > this.o.retryMs;
        if ((!lapsed && !isTransient(e)) || outOfTime) {
          const error = unsure !== undefined ? ambiguous(this.o.where(), e) : isTransient(e) ? unreachable(this.o.where(), e, performance.now() - started) : refused(this.o.where(), e);
          for (const p of batch) p.settle({ ok: false, error });
          return;
        }
        this.stats.retries++;
        if (sqlState(e) === LEASE_LAPSED) await this.o.lease.renew().catch(() => undefined);
        else if (!lapsed) await sleep(backoff(attempt));
      } finally {
        client?.release(broken);
      }
    }
  }

  /**
   * One attempt at a batch on `client`; returns each callback's outcome once committed. `state.unsure`: an earlier
   * attempt whose COMMIT may have landed (looked up first, under the lock); `state.sent` is set as the writes go.
   * Errors: pg's, LEASE_LAPSED from the fence, LeaseChanged.
   */
  private async attempt(client: PoolClient, batch: Pending[], state: { unsure: Sent | undefined; sent: Sent | undefined }): Promise<Outcome[]> {
    const { schema } = this.o;
    // The lease every run of this attempt stamps its locks with and checks them against (`fence.ts`).
    const lease = this.o.lease.current;
    const snapshot = new Snapshot();
    let pass = runAll(batch, snapshot);
    const { unsure } = state;
    const head = [...beginSql(schema, this.o.idleMs), ...(unsure === undefined ? [] : [lastBatchSql(schema, unsure.lease)])];
    const first = await multi(client, hasMisses(pass.misses) ? [...head, fetchSql(schema, pass.misses)] : head);
    if (unsure !== undefined) {
      const landed = (first[head.length - 1]?.rows[0] as { last_batch?: string | null } | undefined)?.last_batch === unsure.batch;
      if (landed) {
        await client.query('COMMIT');
        this.stats.foundLanded++;
        return [...unsure.outcomes];
      }
      // It did not land, and cannot any more: its transaction ended before this one got the lock.
      state.unsure = undefined;
    }
    if (hasMisses(pass.misses)) {
      snapshot.learn(pass.misses, entriesOf(first.at(-1)));
      this.stats.rounds++;
    }
    for (let round = 1; ; round++) {
      pass = runAll(batch, snapshot);
      if (!hasMisses(pass.misses)) break;
      if (round >= MAX_ROUNDS) {
        // A callback that keeps reading new keys (a bug: its reads do not settle) fails alone; the others go on.
        const stuck = new TxfsError('EJOURNAL', `EJOURNAL: a journal transaction on ${this.o.where()} kept reading keys it had not read before (${MAX_ROUNDS} rounds); its callback must be a pure function of what it reads`);
        batch.forEach((p, i) => {
          if (pass.outcomes[i] === undefined) p.settle({ ok: false, error: stuck });
        });
        batch.splice(0, batch.length, ...batch.filter((_, i) => pass.outcomes[i] !== undefined));
        round = 0;
        continue;
      }
      snapshot.learn(pass.misses, entriesOf((await multi(client, [fetchSql(schema, pass.misses)]))[0]));
      this.stats.rounds++;
    }
    const outcomes = pass.outcomes as Outcome[];
    if (pass.writes.size === 0) {
      await client.query('COMMIT');
      return outcomes;
    }
    // A lease taken anew meanwhile (the old one lapsed): the runs checked locks against the old one; run them again.
    if (this.o.lease.current !== lease) throw new LeaseChanged();
    const s: Sent = { lease, batch: randomUUID(), outcomes };
    state.sent = s;
    await client.query(commitSql(schema, pass.writes, s.lease, s.batch));
    this.stats.commits++;
    return outcomes;
  }
}
