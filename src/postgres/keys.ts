/**
 * Journal keys as PostgreSQL stores them: `bytea` holding the key's UTF-8 bytes, so that they sort by bytes (code
 * points), as LMDB's do, whatever the database's collation; a prefix is a range of those bytes.
 */
import { TxfsError } from '../errors.js';
import { MAX_KEY_BYTES } from '../journal/journal.js';

/** The UTF-8 bytes of `key`. Throws ENAMETOOLONG past `MAX_KEY_BYTES` (the limit every Journal shares). */
export const keyBytes = (key: string): Buffer => {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length > MAX_KEY_BYTES) {
    throw new TxfsError('ENAMETOOLONG', `ENAMETOOLONG: journal key longer than ${MAX_KEY_BYTES} bytes: ${key.slice(0, 80)}…`, { key });
  }
  return bytes;
};

/** The first byte string after every string starting with `prefix`; undefined when there is none (all 0xff). */
export const prefixEnd = (prefix: Buffer): Buffer | undefined => {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0xff) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
};

/** Key order: by UTF-8 bytes. */
export const byKeyBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** A `bytea` literal for SQL text (hex digits only: nothing in it can end the string). */
export const byteaLiteral = (bytes: Uint8Array): string => `decode('${Buffer.from(bytes).toString('hex')}','hex')`;

/** The SQL condition selecting the keys under `prefix` (column `key`). */
export const prefixCondition = (prefix: string): string => {
  const from = Buffer.from(prefix, 'utf8');
  if (from.length === 0) return 'true';
  const to = prefixEnd(from);
  return to === undefined ? `key >= ${byteaLiteral(from)}` : `(key >= ${byteaLiteral(from)} AND key < ${byteaLiteral(to)})`;
};
