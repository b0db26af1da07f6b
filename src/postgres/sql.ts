/**
 * The statements of the PostgreSQL journal, as text. Keys and values travel as hex (`decode(…,'hex')`), lease and
 * batch ids are UUIDs, the schema a checked identifier: nothing a caller gives can end a literal. Statements that
 * share a round trip (BEGIN with the writer lock and the first reads; the writes with COMMIT) are one simple query.
 */
import type { PoolClient, QueryResult } from 'pg';
import { byteaLiteral, prefixCondition } from './keys.js';
import { lockKeyOf, qualified } from './schema.js';
import type { Misses } from './snapshot.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID as a SQL literal. Throws a TypeError for anything else (a programming error). */
const uuidLiteral = (id: string): string => {
  if (!UUID.test(id)) throw new TypeError(`not a UUID: ${id}`);
  return `'${id}'`;
};

/**
 * The statements that open a writing transaction: BEGIN and the schema's writer lock (one writer at a time). A
 * holder paused inside it (SIGSTOP, a stalled host) would hold the lock with its connection: the server ends such a
 * transaction after `idleMs` idle (its COMMIT then fails, nothing landed), so every other host waits at most that long.
 */
export const beginSql = (schema: string, idleMs: number): string[] => {
  const [cls, obj] = lockKeyOf(schema);
  return ['BEGIN', `SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.floor(idleMs))}`, `SELECT pg_advisory_xact_lock(${cls}, ${obj})`];
};

/** The statement reading what `misses` names (every row of each prefix, and each key). */
export const fetchSql = (schema: string, misses: Misses): string => {
  const keys = [...misses.keys].map((k) => byteaLiteral(Buffer.from(k, 'utf8')));
  const conditions = [...(keys.length === 0 ? [] : [`key IN (${keys.join(', ')})`]), ...[...misses.prefixes].map(prefixCondition)];
  return `SELECT key, value FROM ${qualified(schema, 'entries')} WHERE ${conditions.join(' OR ')}`;
};

/** The statement reading the batch the lease last committed. */
export const lastBatchSql = (schema: string, lease: string): string => `SELECT last_batch FROM ${qualified(schema, 'leases')} WHERE id = ${uuidLiteral(lease)}`;

/** The writes of a batch and its COMMIT, behind the fence (a lapsed lease refuses them all). */
export const commitSql = (schema: string, writes: ReadonlyMap<string, Buffer | null>, lease: string, batch: string): string => {
  const table = qualified(schema, 'entries');
  const removed: string[] = [];
  const put: string[] = [];
  for (const [k, v] of [...writes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const key = byteaLiteral(Buffer.from(k, 'utf8'));
    if (v === null) removed.push(key);
    else put.push(`(${key}, ${byteaLiteral(v)})`);
  }
  return [
    `SELECT ${qualified(schema, 'fence')}(${uuidLiteral(lease)}, ${uuidLiteral(batch)})`,
    ...(removed.length === 0 ? [] : [`DELETE FROM ${table} WHERE key IN (${removed.join(', ')})`]),
    ...(put.length === 0 ? [] : [`INSERT INTO ${table} (key, value) VALUES ${put.join(', ')} ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`]),
    'COMMIT',
  ].join(';\n');
};

/** Runs a simple query of several statements; one result per statement. Errors: pg's (the caller maps them). */
export const multi = async (client: PoolClient, statements: readonly string[]): Promise<QueryResult[]> => {
  const r: unknown = await client.query(statements.join(';\n'));
  return Array.isArray(r) ? (r as QueryResult[]) : [r as QueryResult];
};

/** The rows of a fetch as journal entries (keys back to strings). */
export const entriesOf = (result: QueryResult | undefined): Array<{ key: string; value: Buffer }> =>
  (result?.rows ?? []).map((row: { key: Buffer; value: Buffer }) => ({ key: row.key.toString('utf8'), value: row.value }));
