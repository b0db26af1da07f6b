/**
 * Names of temp files: `<dir>/.<basename>.<txId>.<n>.txfs-tmp`, in the target's own directory so that the
 * final rename stays on one filesystem and is atomic.
 */
import { basename, dirname, join } from 'node:path';

const SUFFIX = '.txfs-tmp';
/** NAME_MAX of Linux, in bytes. */
const NAME_MAX = 255;
const pattern = /^\.(.+)\.([^./]+)\.(\d+)\.txfs-tmp$/s;

/** Cuts `s` to at most `bytes` UTF-8 bytes without splitting a character. */
const cutUtf8 = (s: string, bytes: number): string => {
  if (Buffer.byteLength(s) <= bytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const len = Buffer.byteLength(ch);
    if (used + len > bytes) break;
    out += ch;
    used += len;
  }
  return out;
};

/**
 * The temp file for the `n`th staged file of transaction `txId` whose target is `targetAbs`.
 * A basename too long for the 255-byte name limit is shortened (the journal, not the name, says what a temp is for).
 * @throws TypeError when `txId` is empty or contains `/` or `.`, or `n` is not a non-negative integer.
 * @example tempName('/data/a.json', 'k3x9', 0) // '/data/.a.json.k3x9.0.txfs-tmp'
 */
export const tempName = (targetAbs: string, txId: string, n: number): string => {
  if (txId.length === 0 || /[/.]/.test(txId)) throw new TypeError(`tempName: invalid transaction id ${JSON.stringify(txId)}`);
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`tempName: invalid index ${n}`);
  const tail = `.${txId}.${n}${SUFFIX}`;
  const room = NAME_MAX - 1 - Buffer.byteLength(tail);
  const base = cutUtf8(basename(targetAbs), Math.max(room, 1));
  return join(dirname(targetAbs), `.${base}${tail}`);
};

/** True when `name` (a file name or a path) has the shape of a txfs temp file. */
export const isTempName = (name: string): boolean => pattern.test(basename(name));
