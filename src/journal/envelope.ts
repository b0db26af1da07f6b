/**
 * The envelope every journal value is stored in: a format version, a SHA-256 over key and body, and the
 * body as JSON text. A value read back is decoded, never trusted: a wrong version, a checksum mismatch
 * (bit rot, a torn or foreign write, a value moved to another key) or a body the codec rejects is `EJOURNAL`.
 */
import { hash } from 'node:crypto';
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { TxfsError } from '../errors.js';

/** The envelope format version written by this code. */
export const RECORD_VERSION = 1;

/** The stored form of a journal value. `body` is JSON text so that the checksum covers exact bytes. */
export interface RecordEnvelope {
  readonly v: number;
  readonly sum: string;
  readonly body: string;
}

const Envelope = t.type({ v: t.number, sum: t.string, body: t.string });

// One-shot (no Hash object): this runs for every journal record read and written.
const checksum = (key: string, body: string): string => hash('sha256', `${key}\n${body}`, 'hex');

const journalError = (key: string, what: string, cause?: unknown): TxfsError =>
  new TxfsError('EJOURNAL', `EJOURNAL: journal record "${key}" ${what}; the journal is damaged or was written by another program`, {
    key,
    cause,
  });

/**
 * Wraps `value`, encoded by `codec`, in a checksummed envelope bound to `key`.
 * Throws a TypeError when the codec's output is not JSON (a programming error, not a bad input).
 */
export const encodeRecord = <A>(key: string, codec: t.Type<A, unknown>, value: A): RecordEnvelope => {
  const body = JSON.stringify(codec.encode(value)) as string | undefined;
  if (body === undefined) throw new TypeError(`journal record "${key}": codec ${codec.name} produced no JSON`);
  return { v: RECORD_VERSION, sum: checksum(key, body), body };
};

/**
 * Checks the envelope of a value read back from the journal at `key` (version, checksum) and decodes its
 * body through `codec`. Errors: `EJOURNAL` (property `key` set; the message carries the io-ts report).
 */
export const decodeRecord = <A>(key: string, raw: unknown, codec: t.Type<A, unknown>): A => {
  if (raw === undefined) throw journalError(key, 'is missing');
  const envelope = Envelope.decode(raw);
  if (isLeft(envelope)) throw journalError(key, `is not a record envelope (${PathReporter.report(envelope).join('; ')})`);
  const { v, sum, body } = envelope.right;
  if (v !== RECORD_VERSION) throw journalError(key, `has format version ${v}, this code reads ${RECORD_VERSION}`);
  if (checksum(key, body) !== sum) throw journalError(key, 'fails its checksum');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw journalError(key, 'holds a body that is not JSON', e);
  }
  const decoded = codec.decode(json);
  if (isLeft(decoded)) throw journalError(key, `does not match ${codec.name} (${PathReporter.report(decoded).join('; ')})`);
  return decoded.right;
};

/**
 * The checksum an envelope read back carries, undefined when `raw` is no envelope: it tells, without decoding again,
 * that a record did not change (and stands for the record in a digest of the journal). Not a check of the record.
 */
export const envelopeChecksum = (raw: unknown): string | undefined => {
  const envelope = Envelope.decode(raw);
  return isLeft(envelope) ? undefined : envelope.right.sum;
};

/**
 * Like `decodeRecord`, but an absent value (`undefined`, as `Journal.get` returns for a missing key) is `undefined`.
 * Errors: `EJOURNAL`.
 */
export const decodeRecordIfPresent = <A>(key: string, raw: unknown, codec: t.Type<A, unknown>): A | undefined =>
  raw === undefined ? undefined : decodeRecord(key, raw, codec);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes a journal backend stores for a JSON-compatible value (UTF-8 JSON text).
 * Throws a TypeError for a value JSON cannot represent.
 */
export const serializeValue = (key: string, value: unknown): Buffer => {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`journal value for "${key}" is not JSON-compatible`);
  return Buffer.from(text, 'utf8');
};

/**
 * Parses bytes stored by `serializeValue`. Errors: `EJOURNAL` when they are not UTF-8 JSON text
 * (a damaged value fails here, as a typed error, never as a crash).
 */
export const parseValue = (key: string, bytes: Uint8Array): unknown => {
  try {
    return JSON.parse(utf8.decode(bytes)) as unknown;
  } catch (e) {
    throw journalError(key, 'is not UTF-8 JSON', e);
  }
};
