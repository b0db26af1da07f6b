/**
 * The options and data of write-file-atomic and atomically, turned into what txfs's write takes (`WriteOptions`, the
 * temp hooks and the owner), checked before anything is touched: a wrong type is a TypeError, a number out of range
 * EINVAL — by the same checks as `writeFileAtomic`'s own options. Both compat entries, and their sync forms, use these.
 */
import { newFileMode } from '../ops/fileMode.js';
import { checkBoolean, checkNumber, describeValue, optionTypeError } from '../ops/optionChecks.js';
import type { OwnerChoice, TempHooks } from '../ops/tempHooks.js';
import { checkEncoding, checkMode } from '../ops/writeOptions.js';
import type { Data, WriteOptions, WriteResult } from '../types.js';

/** What the original libraries take as data: a string, bytes (any ArrayBufferView), or nothing (an empty file). */
export type CompatData = string | ArrayBufferView | null | undefined;

/** The options both originals share. */
export interface SharedOptions {
  readonly encoding?: BufferEncoding | null | undefined;
  /** Permission bits (a number, or an octal string such as '0644'); `false`: a new file's default (0o666 & ~umask). Default: the replaced file's. */
  readonly mode?: number | string | false | undefined;
  /** The owner of the new file; `false`: the writer's. Default: the replaced file's. */
  readonly chown?: { readonly uid: number; readonly gid: number } | false | undefined;
  readonly fsync?: boolean | undefined;
}

/** A compat call as txfs's write takes it. */
export interface EngineCall {
  readonly options: WriteOptions;
  readonly owner: OwnerChoice;
  readonly temp: TempHooks;
}

/**
 * `v` as an options object: a string is the encoding, undefined or null no options.
 * @throws TypeError for anything else but a plain object.
 */
export const compatOptionsObject = (where: string, v: unknown): Readonly<Record<string, unknown>> => {
  if (v === undefined || v === null) return {};
  if (typeof v === 'string') return { encoding: v };
  if (typeof v !== 'object' || Array.isArray(v)) throw optionTypeError(where, 'options', 'an object or an encoding name', v);
  return v as Readonly<Record<string, unknown>>;
};

/**
 * The mode asked for: a number, an octal string ('644', '0o644', '0644'), `false` for a new file's default, or nothing.
 * @throws TypeError (another type, a string that is not octal), TxfsError EINVAL (above 0o777: see `checkMode`).
 */
export const compatMode = (where: string, v: unknown): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (v === false) return newFileMode();
  let mode = v;
  if (typeof v === 'string') {
    const m = /^(?:0o?)?([0-7]+)$/i.exec(v.trim());
    if (m === null) throw optionTypeError(where, 'options.mode', 'a number, an octal string or false', v);
    mode = parseInt(m[1] ?? '', 8);
  }
  checkMode(where, 'options.mode', mode);
  return mode as number;
};

/** The largest uid or gid: (uid_t)-1 is "no change" to chown(2), not an owner. */
const MAX_ID = 0xfffffffe;

/**
 * The owner asked for: `{ uid, gid }`, `false` (the writer's: `null`) or nothing (the replaced file's: `undefined`).
 * @throws TypeError (another type), TxfsError EINVAL (an id that is not an integer from 0 to 4294967294).
 */
export const compatChown = (where: string, v: unknown): OwnerChoice => {
  if (v === undefined || v === null) return undefined;
  if (v === false) return null;
  const o = v as { uid?: unknown; gid?: unknown };
  if (typeof v !== 'object' || typeof o.uid !== 'number' || typeof o.gid !== 'number') throw optionTypeError(where, 'options.chown', '{ uid, gid } or false', v);
  checkNumber(where, 'options.chown.uid', o.uid, { min: 0, max: MAX_ID, integer: true });
  checkNumber(where, 'options.chown.gid', o.gid, { min: 0, max: MAX_ID, integer: true });
  return { uid: o.uid, gid: o.gid };
};

/** @throws TypeError unless `v` is undefined or a function. */
export const checkFunction = (where: string, name: string, v: unknown): void => {
  if (v !== undefined && typeof v !== 'function') throw optionTypeError(where, name, 'a function', v);
};

/**
 * The options both originals share, as txfs's: encoding, mode, chown and fsync; a replaced file is replaced whatever
 * its permission bits, as the originals' rename does (txfs's own write asks for an explicit onExists there).
 * @throws TypeError, TxfsError EINVAL (see the checks above).
 */
export const sharedOptions = (where: string, o: Readonly<Record<string, unknown>>): { readonly options: WriteOptions; readonly owner: OwnerChoice } => {
  const encoding = o.encoding === null ? undefined : o.encoding;
  checkEncoding(where, 'options.encoding', encoding);
  checkBoolean(where, 'options.fsync', o.fsync);
  const mode = compatMode(where, o.mode);
  const options: WriteOptions = {
    onExists: 'overwrite',
    ...(encoding === undefined ? {} : { encoding: encoding as BufferEncoding }),
    ...(mode === undefined ? {} : { mode }),
    ...(o.fsync === false ? { fsync: false } : {}),
  };
  return { options, owner: compatChown(where, o.chown) };
};

/**
 * The data to write: a string or bytes as they are (any ArrayBufferView as its bytes), undefined or null as an empty
 * file; with `streams`, a readable stream or async iterable as well.
 * @throws TypeError for anything else (a number or an object is not turned into text).
 */
export function compatData(where: string, data: unknown, options: { readonly streams: true }): Data;
export function compatData(where: string, data: unknown, options: { readonly streams: false }): string | Uint8Array;
export function compatData(where: string, data: unknown, options: { readonly streams: boolean }): Data {
  if (data === undefined || data === null) return '';
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (options.streams && typeof data === 'object' && typeof (data as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function') return data as Data;
  const what = options.streams ? 'a string, a Buffer, a TypedArray, a readable stream or undefined' : 'a string, a Buffer, a TypedArray or undefined';
  throw new TypeError(`${where}: data must be ${what}, got ${describeValue(data)}`);
}

/**
 * Says what a write could not do after its rename (a failed directory fsync …) as a process warning: the drop-in APIs
 * resolve to nothing, as the originals do, and must not keep it silent.
 */
export const reportWarnings = (result: WriteResult): void => {
  for (const w of result.warnings ?? []) process.emitWarning(w, { code: 'TXFS_AFTER_RENAME' });
};
