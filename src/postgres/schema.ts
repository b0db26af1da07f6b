/**
 * The journal's tables in one PostgreSQL schema, created if absent, with the version of their layout checked on open
 * (a layout newer than this code knows is refused: EJOURNAL).
 * - `entries`: the journal itself, key → value, both `bytea` (UTF-8 key; the value the same UTF-8 JSON of the same
 *   checksummed envelope LMDB stores, decoded by the same codecs).
 * - `leases`: one row per live process (host id, pid, start time), expiring unless renewed: liveness across hosts;
 *   `last_batch` names the last journal transaction the process committed (how a commit whose answer was lost with
 *   its connection is found to have landed, or not).
 * - `fence(lease, batch)`: run by every writing transaction just before its COMMIT; refuses (SQLSTATE TXL01) when the
 *   lease has lapsed by the database's clock, and records the batch.
 */
import type { PoolClient } from 'pg';
import { TxfsError } from '../errors.js';

/** The layout this code writes and reads. */
export const SCHEMA_VERSION = 1;

/** SQLSTATE of `fence` refusing a lapsed lease. */
export const LEASE_LAPSED = 'TXL01';

/** The longest schema name PostgreSQL keeps (NAMEDATALEN − 1). */
const MAX_SCHEMA_BYTES = 63;

/** True for a schema name txfs accepts: lower-case letters, digits and `_`, not starting with a digit, up to 63 bytes. */
export const isSchemaName = (name: string): boolean => /^[a-z_][a-z0-9_]*$/.test(name) && name.length <= MAX_SCHEMA_BYTES;

/** The quoted identifier of `schema`'s object `name`. */
export const qualified = (schema: string, name: string): string => `"${schema}"."${name}"`;

const ddl = (s: string): string => `
CREATE SCHEMA IF NOT EXISTS "${s}";
CREATE TABLE IF NOT EXISTS ${qualified(s, 'meta')} (name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ${qualified(s, 'entries')} (key bytea PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE IF NOT EXISTS ${qualified(s, 'leases')} (
  id text PRIMARY KEY, host text NOT NULL, pid integer NOT NULL, proc_start text,
  started_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL, last_batch text);
CREATE OR REPLACE FUNCTION ${qualified(s, 'fence')}(lease_id text, batch text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE ${qualified(s, 'leases')} SET last_batch = batch WHERE id = lease_id AND expires_at > clock_timestamp();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'txfs: the lease % has lapsed', lease_id USING ERRCODE = '${LEASE_LAPSED}';
  END IF;
END
$fn$;
INSERT INTO ${qualified(s, 'meta')} (name, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT (name) DO NOTHING;
`;

/** The advisory-lock key pair (class, object) of `schema`'s journal: `'txfs'` and a 32-bit FNV-1a hash of its name. */
export const lockKeyOf = (schema: string): readonly [number, number] => {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(schema, 'utf8')) h = Math.imul(h ^ b, 0x01000193);
  return [0x74786673, h | 0];
};

/**
 * Creates the schema's tables if absent and checks their version, in one transaction under the schema's lock (two
 * hosts opening a new schema at once would otherwise race in CREATE). `where` names the schema in messages.
 * Errors: `EJOURNAL` (a newer or unreadable layout); a database error otherwise (the caller maps it).
 */
export const ensureSchema = async (client: PoolClient, schema: string, where: string): Promise<void> => {
  const [cls, obj] = lockKeyOf(`setup:${schema}`);
  await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${cls}, ${obj})`);
  try {
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [qualified(schema, 'meta')]);
    let version: string | undefined;
    if (exists.rows[0]?.t !== null && exists.rows[0] !== undefined) {
      const row = await client.query<{ value: string }>(`SELECT value FROM ${qualified(schema, 'meta')} WHERE name = 'schema_version'`);
      version = row.rows[0]?.value;
    }
    if (version === undefined) await client.query(ddl(schema));
    else if (!/^\d+$/.test(version) || Number(version) < 1) {
      throw new TxfsError('EJOURNAL', `EJOURNAL: the txfs journal in ${where} has an unreadable schema version (${JSON.stringify(version)}); it was not written by txfs, or is damaged: use another schema (option schema)`);
    } else if (Number(version) > SCHEMA_VERSION) {
      throw new TxfsError('EJOURNAL', `EJOURNAL: the txfs journal in ${where} has schema version ${version}, newer than this txfs knows (${SCHEMA_VERSION}): another host runs a newer txfs; upgrade txfs here`);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
};
