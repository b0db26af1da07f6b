/**
 * What a PostgreSQL failure means to the journal: the one place its errors become `TxfsError`s. A lost or refused
 * connection is transient (the call is retried while its time allows, then fails as EJOURNAL saying the server cannot
 * be reached); a failure while a commit was on its way is ambiguous (it may have committed), and says so; anything
 * else is EJOURNAL with the server's message.
 */
import { TxfsError } from '../errors.js';

/** SQLSTATE classes and codes after which the same call can simply be made again on a new connection. */
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '40001', '40P01', '55P03', '25P03']);
const TRANSIENT_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTCONN']);

const codeOf = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * True when `e` is a lost, refused or not-yet-possible connection (server restarting, shutting down, out of
 * connections) or a transient conflict (serialization, deadlock): nothing of the call was committed by it.
 */
export const isTransient = (e: unknown): boolean => {
  const code = codeOf(e);
  if (code !== undefined && (TRANSIENT_STATES.has(code) || code.startsWith('08') || TRANSIENT_ERRNOS.has(code))) return true;
  const message = e instanceof Error ? e.message : '';
  // pg's own words for a socket that closed under it (no code).
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|not queryable/i.test(message);
};

/** The SQLSTATE of a database error, undefined for anything else. */
export const sqlState = (e: unknown): string | undefined => {
  const code = codeOf(e);
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** EJOURNAL for a server that could not be reached, or was lost, before anything was committed. */
export const unreachable = (where: string, e: unknown, triedMs: number): TxfsError =>
  new TxfsError('EJOURNAL', `EJOURNAL: the txfs journal in ${where} cannot be reached (${reason(e)}; retried for ${Math.round(triedMs)} ms): nothing was written; try again once the server is back`, { cause: e });

/** EJOURNAL for a connection lost while a commit was on its way: it may or may not have been committed. */
export const ambiguous = (where: string, e: unknown): TxfsError =>
  new TxfsError('EJOURNAL', `EJOURNAL: the connection to the txfs journal in ${where} was lost while a write was committing (${reason(e)}): it may or may not have been committed; the transaction it belonged to is settled by recovery (txfs recover)`, { cause: e });

/** EJOURNAL for anything else the server refused. */
export const refused = (where: string, e: unknown): TxfsError =>
  e instanceof TxfsError ? e : new TxfsError('EJOURNAL', `EJOURNAL: the txfs journal in ${where} failed: ${reason(e)}`, { cause: e });
