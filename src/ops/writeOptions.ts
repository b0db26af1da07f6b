/**
 * The options of a write (`WriteOptions`) and their parts shared with a transaction's operations (`mode`, `encoding`,
 * `validate`, `onExists`) and with a store (`BackupPolicy`), checked in one place before anything is touched.
 */
import { TxfsError } from '../errors.js';
import type { WriteOptions } from '../types.js';
import {
  checkBoolean, checkNumber, checkOneOf, checkPathOption, checkSignal, optionTypeError, optionsObject,
} from './optionChecks.js';

/**
 * The largest explicit `mode`: permission bits only. A write never sets setuid, setgid or sticky bits (a decimal
 * `755` where `0o755` was meant has the sticky bit; `1e9` has setuid): that is a chmod the caller makes knowingly.
 * The mode a replaced file already has is kept whole.
 */
export const MAX_MODE = 0o777;

/** The largest count or byte size an option takes: beyond it a number no longer counts exactly. */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** The longest age a backup policy can name: the span of a JavaScript `Date` (±10^8 days). */
export const MAX_AGE_DAYS = 100_000_000;

const policies = ['overwrite', 'skip', 'rename', 'keep-both', 'fail'];
/** The values of a `verify` option (WriteOptions, OpOptions). */
export const verifyModes: readonly string[] = ['none', 'size', 'checksum', 'readback'];

/**
 * Checks an explicit file mode: an integer from 0 to 0o777.
 * @throws TypeError (not a number), TxfsError EINVAL (out of range, naming the bound).
 */
export const checkMode = (where: string, name: string, v: unknown): void => {
  if (v === undefined) return;
  if (typeof v !== 'number') throw optionTypeError(where, name, 'a number (permission bits, e.g. 0o644)', v);
  if (Number.isInteger(v) && v >= 0 && v <= MAX_MODE) return;
  const octal = Number.isInteger(v) && v >= 0 ? ` (0o${v.toString(8)})` : '';
  // 644 or 755 written in decimal: the caller almost certainly meant the octal literal.
  const meant = Number.isInteger(v) && /^[0-7]{3}$/.test(String(v)) ? `; did you mean 0o${v}?` : '';
  throw new TxfsError('EINVAL', `EINVAL: ${where}: ${name} must be an integer from 0 to 0o777 (permission bits; a write never sets setuid, setgid or sticky bits), got ${v}${octal}${meant}`);
};

/** @throws TypeError unless `v` is undefined or an encoding Node knows ('utf8', 'base64', …). */
export const checkEncoding = (where: string, name: string, v: unknown): void => {
  if (v === undefined) return;
  if (typeof v !== 'string' || !Buffer.isEncoding(v)) throw optionTypeError(where, name, "a Buffer encoding ('utf8', 'latin1', 'base64', …)", v);
};

/** @throws TypeError unless `v` is undefined, a Validator (`{ name, validate }`) or an array of them. */
export const checkValidators = (where: string, name: string, v: unknown): void => {
  if (v === undefined) return;
  const all: readonly unknown[] = Array.isArray(v) ? v : [v];
  for (const [i, one] of all.entries()) {
    const val = one as { name?: unknown; validate?: unknown } | null;
    if (typeof one !== 'object' || val === null || typeof val.name !== 'string' || typeof val.validate !== 'function') {
      throw optionTypeError(where, Array.isArray(v) ? `${name}[${i}]` : name, 'a validator ({ name: string, validate(content) })', one);
    }
  }
};

/** @throws TypeError unless `v` is undefined, a conflict policy name or a callback. */
export const checkConflictPolicy = (where: string, name: string, v: unknown): void => {
  if (v === undefined || typeof v === 'function') return;
  checkOneOf(where, name, v, policies);
};

/**
 * Checks the values of a backup policy (where it lives is the caller's rule: see `storeOptions`).
 * @throws TypeError (wrong type), TxfsError EINVAL (a count, age or size out of range, naming the bound).
 */
export const checkBackupPolicy = (where: string, name: string, v: unknown): void => {
  const p = optionsObject(where, name, v);
  checkNumber(where, `${name}.keep`, p.keep, { min: 1, max: MAX_COUNT, integer: true, why: 'backups kept per file; the newest is always kept' });
  checkNumber(where, `${name}.maxAgeDays`, p.maxAgeDays, { min: 0, max: MAX_AGE_DAYS, unit: 'days' });
  checkNumber(where, `${name}.maxBytes`, p.maxBytes, { min: 0, max: MAX_COUNT, unit: 'bytes' });
  checkNumber(where, `${name}.compressAfter`, p.compressAfter, { min: 0, max: MAX_COUNT, integer: true, why: 'newest backups per file left uncompressed' });
  checkPathOption(where, `${name}.dir`, p.dir);
  checkBoolean(where, `${name}.keepCurrent`, p.keepCurrent);
};

/**
 * Checks the options of `writeFileAtomic` and `store.writeFile` (`where` names the call in messages) and returns them.
 * @throws TypeError (wrong type, unknown policy, encoding or verify mode), TxfsError EINVAL (a number out of range).
 */
export const checkWriteOptions = (where: string, v: unknown): WriteOptions => {
  const o = optionsObject(where, 'options', v);
  checkEncoding(where, 'options.encoding', o.encoding);
  checkMode(where, 'options.mode', o.mode);
  checkBoolean(where, 'options.fsync', o.fsync);
  checkOneOf(where, 'options.verify', o.verify, verifyModes);
  if (o.backup !== undefined && typeof o.backup !== 'boolean') {
    if (typeof o.backup !== 'object' || o.backup === null) throw optionTypeError(where, 'options.backup', 'true, false or a backup policy object', o.backup);
    checkBackupPolicy(where, 'options.backup', o.backup);
  }
  checkConflictPolicy(where, 'options.onExists', o.onExists);
  checkValidators(where, 'options.validate', o.validate);
  checkBoolean(where, 'options.checksumFile', o.checksumFile);
  checkBoolean(where, 'options.mkdirp', o.mkdirp);
  checkSignal(where, 'options.signal', o.signal);
  return o;
};
