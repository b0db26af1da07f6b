/**
 * `postgresJournal`: the Journal on PostgreSQL, shared by every host that opens a store on one shared filesystem.
 * Writes go through one writer per process (`writer.ts`: batches under the schema's writer lock, committed
 * synchronously — durable as the server's `synchronous_commit` says — so `flush()` has nothing left to wait for);
 * reads outside a transaction are single statements. Liveness of lock holders comes from leases the database expires
 * (`lease.ts`, `hostProcesses.ts`). A call that meets a lost or refused connection is retried on a new one for up to
 * `retryMs`, then fails with EJOURNAL saying the server cannot be reached.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Pool } from 'pg';
import type { Processes } from '../env.js';
import { TxfsError } from '../errors.js';
import { nodeFileSystem } from '../fs/node.js';
import { readProcessStat } from '../fs/procStat.js';
import type { Journal, JournalTxn } from '../journal/journal.js';
import { parseValue } from '../journal/envelope.js';
import { hostProcesses } from './hostProcesses.js';
import { prefixCondition } from './keys.js';
import { Lease } from './lease.js';
import { isTransient, refused, unreachable } from './pgErrors.js';
import { checkPostgresOptions, type PostgresJournalOptions } from './postgresOptions.js';
import { ensureSchema, qualified } from './schema.js';
import { Snapshot, isComplete } from './snapshot.js';
import { entriesOf } from './sql.js';
import { Writer, backoff, connect, type WriterStats } from './writer.js';

export type { PostgresJournalOptions } from './postgresOptions.js';

/** The longest a statement may go unanswered before its connection is given up (a batch's lock wait included). */
const QUERY_TIMEOUT_MS = 60_000;

/** What `postgresJournal` returns: a Journal with its liveness, and counters for tests and the bench. */
export interface PostgresJournal extends Journal {
  readonly processes: Processes;
  readonly hostId: string;
  readonly schema: string;
  /** The server's `synchronous_commit` when the journal opened: what a resolved write's durability is. */
  readonly synchronousCommit: string;
  readonly stats: Readonly<WriterStats> & { readonly lapses: number };
}

/** `schema "s" of database "d" at host:port`, for messages (never a password). */
const describeTarget = (client: { host?: string; port?: number; database?: string | undefined }, schema: string): string =>
  `schema "${schema}" of PostgreSQL database "${client.database ?? '?'}" at ${client.host ?? '?'}:${client.port ?? '?'}`;

/**
 * Opens the journal in `options.schema` (default `txfs`) of the database `options.connectionString` (or `pool`, or
 * the PG* environment variables) names, creating its tables if absent, and takes this process's lease.
 * Errors: TypeError (a wrong option type), `EINVAL` (an option out of range), `EJOURNAL` (a server that cannot be
 * reached within `retryMs`, a schema written by a newer txfs or by something else).
 * @example const store = await openStore({ root: '/mnt/shared/exports', journal: await postgresJournal({ connectionString }) });
 */
export const postgresJournal = async (options: PostgresJournalOptions = {}): Promise<PostgresJournal> => {
  const o = checkPostgresOptions(options);
  const owned = o.pool === undefined;
  const pool: Pool =
    o.pool ??
    new pg.Pool({
      ...(o.connectionString === undefined ? {} : { connectionString: o.connectionString }),
      max: o.poolSize,
      // Bounded waits: for a connection (a call then retries or fails as EJOURNAL) and for an answer on one whose
      // server vanished without closing it (a host cut off); keepalive finds such a connection dead sooner.
      connectionTimeoutMillis: Math.max(1000, o.retryMs),
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
    });
  // An idle connection that the server drops (a restart) must not end the process with an unhandled 'error'.
  if (owned) pool.on('error', () => undefined);
  let where = `schema "${o.schema}" of PostgreSQL${o.connectionString === undefined ? '' : ' (connection string given)'}`;
  const started = performance.now();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const client = await connect(pool);
        try {
          where = describeTarget(client, o.schema);
          await ensureSchema(client, o.schema, where);
        } finally {
          client.release();
        }
        break;
      } catch (e) {
        if (!isTransient(e) || performance.now() - started > o.retryMs) throw isTransient(e) ? unreachable(where, e, performance.now() - started) : refused(where, e);
        await sleep(backoff(attempt));
      }
    }
  } catch (e) {
    if (owned) await pool.end().catch(() => undefined);
    throw e;
  }
  const procStart = (await readProcessStat(nodeFileSystem, process.pid).catch(() => undefined))?.startTime ?? null;
  const lease = new Lease({ pool, schema: o.schema, hostId: o.hostId, leaseMs: o.leaseMs, procStart });
  const sync = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit').catch((e: unknown) => Promise.reject(refused(where, e)));
  await lease.start().catch(async (e: unknown) => {
    if (owned) await pool.end().catch(() => undefined);
    throw refused(where, e);
  });
  const writer = new Writer({ pool, schema: o.schema, lease, where: () => where, retryMs: o.retryMs, idleMs: Math.max(1000, o.leaseMs / 2) });
  const entries = qualified(o.schema, 'entries');
  let closed = false;
  const open = (): void => {
    if (closed) throw new TxfsError('EJOURNAL', `EJOURNAL: the txfs journal in ${where} is closed`);
  };
  /** A read outside a transaction, retried on a new connection while time allows. */
  const read = async <T>(f: () => Promise<T>): Promise<T> => {
    open();
    const t0 = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await f();
      } catch (e) {
        if (!isTransient(e) || performance.now() - t0 > o.retryMs) throw isTransient(e) ? unreachable(where, e, performance.now() - t0) : refused(where, e);
        await sleep(backoff(attempt));
      }
    }
  };
  const transact = async <T>(fn: (txn: JournalTxn) => T): Promise<T> => {
    open();
    // A callback that reads nothing and writes nothing (or throws first) needs no database.
    const alone = new Snapshot().run(fn);
    if (isComplete(alone) && alone.writes.size === 0) {
      if (alone.outcome.ok) return alone.outcome.value;
      throw alone.outcome.error;
    }
    return writer.submit(fn);
  };
  const processes = hostProcesses(o.hostId, lease, procStart, (id) => read(() => lease.isAlive(id)));
  return {
    processes,
    hostId: o.hostId,
    schema: o.schema,
    synchronousCommit: sync.rows[0]?.synchronous_commit ?? 'unknown',
    get stats() {
      return { ...writer.stats, lapses: lease.counts.lapses };
    },
    get: (key) =>
      read(async () => {
        const r = await pool.query<{ value: Buffer }>(`SELECT value FROM ${entries} WHERE key = $1`, [Buffer.from(key, 'utf8')]);
        const row = r.rows[0];
        return row === undefined ? undefined : parseValue(key, row.value);
      }),
    range: (prefix) =>
      read(async () => {
        const r = await pool.query(`SELECT key, value FROM ${entries} WHERE ${prefixCondition(prefix)} ORDER BY key`);
        return entriesOf(r).map(({ key, value }) => ({ key, value: parseValue(key, value) }));
      }),
    transact,
    put: async (key, value) => {
      await transact((txn) => txn.put(key, value));
    },
    remove: async (key) => {
      await transact((txn) => txn.remove(key));
    },
    // Every resolved write is a committed PostgreSQL transaction, made durable as the server's synchronous_commit
    // says: what a flush would wait for has already happened. Writes still queued are not "committed before" it.
    flush: async () => {
      open();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await writer.idle();
      await lease.stop().catch(() => undefined);
      if (owned) await pool.end();
    },
  };
};
