/**
 * The checks every caller-given option goes through at the edge, before anything is touched (STYLE §8): a wrong type
 * or a value outside a fixed set is a `TypeError` (as Node's own APIs do); a number out of its range is a `TxfsError`
 * EINVAL naming the bound. The option modules (`writeOptions`, `txOptions`, `storeOptions`) are built from these.
 */
import { TxfsError } from '../errors.js';

/** A short, readable form of a caller's value for an error message. */
export const describeValue = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'function':
      return 'a function';
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
};

/** The TypeError of option `name` (e.g. `options.label`) of `where` (e.g. `begin`), which must be `what`. */
export const optionTypeError = (where: string, name: string, what: string, v: unknown): TypeError =>
  new TypeError(`${where}: ${name} must be ${what}, got ${describeValue(v)}`);

/** The EINVAL of option `name` of `where`, whose value `v` is outside `bound`. */
export const optionRangeError = (where: string, name: string, bound: string, v: unknown): TxfsError =>
  new TxfsError('EINVAL', `EINVAL: ${where}: ${name} must be ${bound}, got ${describeValue(v)}`);

/**
 * `v` as an options object (`undefined` reads as `{}`).
 * @throws TypeError for anything but a plain object or undefined.
 */
export const optionsObject = (where: string, name: string, v: unknown): Readonly<Record<string, unknown>> => {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw optionTypeError(where, name, 'an object', v);
  return v as Readonly<Record<string, unknown>>;
};

/** @throws TypeError unless `v` is a boolean or undefined. */
export const checkBoolean = (where: string, name: string, v: unknown): void => {
  if (v !== undefined && typeof v !== 'boolean') throw optionTypeError(where, name, 'true or false', v);
};

/** @throws TypeError unless `v` is undefined or one of `allowed`. */
export const checkOneOf = (where: string, name: string, v: unknown, allowed: readonly string[]): void => {
  if (v === undefined) return;
  if (typeof v !== 'string' || !allowed.includes(v)) throw optionTypeError(where, name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
};

/** The bounds of a numeric option. */
export interface NumberBounds {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  /** The unit shown after the bound ("ms", "days"). */
  readonly unit?: string;
  /** Why the bound is what it is, when it is not obvious. */
  readonly why?: string;
}

/**
 * Checks a numeric option: a number (else TypeError), finite and within `bounds` (else EINVAL naming them).
 * @throws TypeError, TxfsError EINVAL.
 */
export const checkNumber = (where: string, name: string, v: unknown, bounds: NumberBounds): void => {
  if (v === undefined) return;
  if (typeof v !== 'number') throw optionTypeError(where, name, 'a number', v);
  if (!Number.isFinite(v) || v < bounds.min || v > bounds.max || (bounds.integer === true && !Number.isInteger(v))) {
    const what = bounds.integer === true ? 'an integer' : 'a finite number';
    const unit = bounds.unit === undefined ? '' : ` ${bounds.unit}`;
    throw optionRangeError(where, name, `${what} from ${bounds.min} to ${bounds.max}${unit}${bounds.why === undefined ? '' : ` (${bounds.why})`}`, v);
  }
};

/**
 * Checks a path-like string option: a string (else TypeError), not empty and without a NUL byte (else EINVAL).
 * @throws TypeError, TxfsError EINVAL.
 */
export const checkPathOption = (where: string, name: string, v: unknown): void => {
  if (v === undefined) return;
  if (typeof v !== 'string') throw optionTypeError(where, name, 'a path (a string)', v);
  if (v.length === 0) throw optionRangeError(where, name, 'a non-empty path (an empty one would silently mean the current directory)', v);
  if (v.includes('\0')) throw optionRangeError(where, name, 'a path without a NUL byte', v);
};

/** @throws TypeError unless `v` is undefined or an AbortSignal (anything with `aborted` and event listener methods). */
export const checkSignal = (where: string, name: string, v: unknown): void => {
  if (v === undefined) return;
  const isSignal =
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { aborted?: unknown }).aborted === 'boolean' &&
    typeof (v as { addEventListener?: unknown }).addEventListener === 'function' &&
    typeof (v as { removeEventListener?: unknown }).removeEventListener === 'function';
  if (!isSignal) throw optionTypeError(where, name, 'an AbortSignal', v);
};
