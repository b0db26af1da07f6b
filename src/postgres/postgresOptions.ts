/**
 * The options of `postgresJournal`, checked before anything is opened (STYLE §8): a wrong type is a TypeError, a
 * value out of its range EINVAL naming the bound.
 */
import * as os from 'node:os';
import type { Pool } from 'pg';
import { TxfsError } from '../errors.js';
import { isSchemaName } from './schema.js';

/** Options of `postgresJournal`. */
export interface PostgresJournalOptions {
  /** `postgresql://user@host/db` (with `?host=/socket/dir` for a unix socket). Not with `pool`. Neither: the PG* environment variables. */
  readonly connectionString?: string | undefined;
  /** A pool of your own (not ended by `close()`; give it an 'error' listener). Not with `connectionString`. */
  readonly pool?: Pool;
  /** The PostgreSQL schema holding the journal's tables (default `txfs`): one per store root. */
  readonly schema?: string;
  /** This host's id, unique among the hosts sharing the journal (default: the machine's host name). */
  readonly hostId?: string;
  /**
   * How long a process's lease lasts unrenewed (default 10 000 ms, from 200 ms to one hour): a dead host's locks are
   * broken at most this long after its last renewal, and a process paused longer is fenced.
   */
  readonly leaseMs?: number;
  /** How long a call retries a lost or refused connection before it fails with EJOURNAL (default 10 000 ms, up to one hour). */
  readonly retryMs?: number;
  /** Connections of the pool made from `connectionString` (default 10, 1 to 100). */
  readonly poolSize?: number;
}

/** The checked options with their defaults. */
export interface CheckedOptions {
  readonly connectionString: string | undefined;
  readonly pool: Pool | undefined;
  readonly schema: string;
  readonly hostId: string;
  readonly leaseMs: number;
  readonly retryMs: number;
  readonly poolSize: number;
}

const where = 'postgresJournal';
const HOUR = 3_600_000;

const typeError = (name: string, what: string, v: unknown): TypeError => new TypeError(`${where}: options.${name} must be ${what}, got ${v === null ? 'null' : typeof v}`);

const number = (o: Readonly<Record<string, unknown>>, name: string, dflt: number, min: number, max: number, integer = false): number => {
  const v = o[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw typeError(name, 'a number', v);
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new TxfsError('EINVAL', `EINVAL: ${where}: options.${name} must be ${integer ? 'an integer ' : ''}from ${min} to ${max}, got ${v}`);
  }
  return v;
};

/**
 * Checks every option and fills in the defaults; touches nothing.
 * @throws TypeError (a wrong type; both `connectionString` and `pool`), TxfsError EINVAL (a schema name PostgreSQL
 *   would need quoting for, an empty or overlong host id, a number out of range).
 */
export const checkPostgresOptions = (v: unknown): CheckedOptions => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError(`${where}: options must be an object`);
  const o = v as Readonly<Record<string, unknown>>;
  if (o.connectionString !== undefined && typeof o.connectionString !== 'string') throw typeError('connectionString', 'a string', o.connectionString);
  const pool = o.pool as Record<string, unknown> | undefined;
  if (pool !== undefined && (typeof pool !== 'object' || pool === null || typeof pool.connect !== 'function' || typeof pool.query !== 'function')) {
    throw typeError('pool', 'a pg.Pool', pool);
  }
  if (o.connectionString !== undefined && pool !== undefined) throw new TypeError(`${where}: give options.connectionString or options.pool, not both`);
  const schema = o.schema ?? 'txfs';
  if (typeof schema !== 'string') throw typeError('schema', 'a string', schema);
  if (!isSchemaName(schema)) {
    throw new TxfsError('EINVAL', `EINVAL: ${where}: options.schema must be lower-case letters, digits and _ (not starting with a digit), at most 63 characters, got ${JSON.stringify(schema.slice(0, 80))}`);
  }
  const hostId = o.hostId ?? os.hostname();
  if (typeof hostId !== 'string') throw typeError('hostId', 'a string', hostId);
  // eslint-disable-next-line no-control-regex
  if (hostId === '' || hostId.length > 255 || /[\u0000-\u001f]/.test(hostId)) {
    throw new TxfsError('EINVAL', `EINVAL: ${where}: options.hostId must be 1 to 255 characters without control characters, got ${JSON.stringify(hostId.slice(0, 80))}`);
  }
  return {
    connectionString: o.connectionString,
    pool: pool as Pool | undefined,
    schema,
    hostId,
    leaseMs: number(o, 'leaseMs', 10_000, 200, HOUR),
    retryMs: number(o, 'retryMs', 10_000, 0, HOUR),
    poolSize: number(o, 'poolSize', 10, 1, 100, true),
  };
};
