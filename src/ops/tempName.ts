/**
 * Names of temp files: `<dir>/.<basename>.<txId>.<n>.txfs-tmp`, in the target's own directory so that the
 * final rename stays on one filesystem and is atomic.
 */
import { basename, dirname, join } from 'node:path';
import { NAME_MAX, cutUtf8 } from '../fs/fitName.js';

const SUFFIX = '.txfs-tmp';
const pattern = /^\.(.+)\.([^./]+)\.(\d+)\.txfs-tmp$/s;

/**
 * The temp file name (no directory) for the `n`th staged file of transaction `txId` whose target is named `base`:
 * `.<base>.<txId>.<n>.txfs-tmp`, `base` cut at a UTF-8 character boundary so that the name keeps to NAME_MAX (255 bytes;
 * the journal, not the name, says what a temp is for). Recovery names its restore temps with it too.
 * @throws TypeError when `txId` is empty or contains `/` or `.`, or `n` is not a non-negative integer.
 * @example tempFileName('a.json', 'k3x9', 0) // '.a.json.k3x9.0.txfs-tmp'
 */
export const tempFileName = (base: string, txId: string, n: number): string => {
  if (txId.length === 0 || /[/.]/.test(txId)) throw new TypeError(`tempName: invalid transaction id ${JSON.stringify(txId)}`);
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`tempName: invalid index ${n}`);
  const tail = `.${txId}.${n}${SUFFIX}`;
  // The leading dot counts; a byte of the target's name is left whatever the id's length.
  return `.${cutUtf8(base, Math.max(NAME_MAX - 1 - Buffer.byteLength(tail), 1))}${tail}`;
};

/**
 * The temp file for the `n`th staged file of transaction `txId` whose target is `targetAbs`, beside it (see `tempFileName`).
 * @throws TypeError when `txId` is empty or contains `/` or `.`, or `n` is not a non-negative integer.
 * @example tempName('/data/a.json', 'k3x9', 0) // '/data/.a.json.k3x9.0.txfs-tmp'
 */
export const tempName = (targetAbs: string, txId: string, n: number): string => join(dirname(targetAbs), tempFileName(basename(targetAbs), txId, n));

/** True when `name` (a file name or a path) has the shape of a txfs temp file. */
export const isTempName = (name: string): boolean => pattern.test(basename(name));

/**
 * The parts of a temp file name (a file name or a path): the target's name as it appears (cut when long), the id and
 * the index; undefined for a name of another shape.
 * @example parseTempName('.a.json.k3x9.0.txfs-tmp') // { base: 'a.json', id: 'k3x9', n: 0 }
 */
export const parseTempName = (name: string): { readonly base: string; readonly id: string; readonly n: number } | undefined => {
  const m = pattern.exec(basename(name));
  if (m === null) return undefined;
  const [, base = '', id = '', n = ''] = m;
  return { base, id, n: Number(n) };
};
