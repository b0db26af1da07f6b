/**
 * The arguments of a transaction, checked when they are given — `begin(options)` and each `tx.writeFile`, `copy`,
 * `rename`, `delete`, `mkdir` and `expect` — so that a bad one is refused before anything is touched, never found
 * after the commit point (where it would leave the store to recovery).
 */
import { TxfsError } from '../errors.js';
import { checkBoolean, checkOneOf, checkSignal, optionTypeError, optionsObject, describeValue } from '../ops/optionChecks.js';
import { assertData } from '../ops/toChunks.js';
import { checkConflictPolicy, checkEncoding, checkMode, checkValidators, verifyModes } from '../ops/writeOptions.js';
import type { Data, OpOptions, TxOptions } from '../types.js';
import type { Expectation } from './draft.js';

/** The longest `label` (characters): it is stored in the transaction's record and in every lock it takes. */
export const MAX_LABEL_LENGTH = 1024;

/**
 * Checks the options of a transaction and returns them.
 * @throws TypeError (wrong type, unknown policy), TxfsError EINVAL (a label longer than `MAX_LABEL_LENGTH`).
 */
export const checkTxOptions = (where: string, v: unknown): TxOptions => {
  const o = optionsObject(where, 'options', v);
  checkConflictPolicy(where, 'options.onExists', o.onExists);
  checkConflictPolicy(where, 'options.onConcurrentChange', o.onConcurrentChange);
  checkBoolean(where, 'options.backup', o.backup);
  checkBoolean(where, 'options.fsync', o.fsync);
  if (o.label !== undefined) {
    if (typeof o.label !== 'string') throw optionTypeError(where, 'options.label', 'a string', o.label);
    if (o.label.length > MAX_LABEL_LENGTH) {
      throw new TxfsError('EINVAL', `EINVAL: ${where}: options.label must be at most ${MAX_LABEL_LENGTH} characters, got ${o.label.length}`);
    }
  }
  checkSignal(where, 'options.signal', o.signal);
  return o;
};

/**
 * Checks the options of one operation and returns them.
 * @throws TypeError (wrong type, unknown policy or encoding), TxfsError EINVAL (a mode out of range).
 */
export const checkOpOptions = (where: string, v: unknown): OpOptions => {
  const o = optionsObject(where, 'options', v);
  checkEncoding(where, 'options.encoding', o.encoding);
  checkMode(where, 'options.mode', o.mode);
  checkValidators(where, 'options.validate', o.validate);
  checkConflictPolicy(where, 'options.onExists', o.onExists);
  checkBoolean(where, 'options.checksumFile', o.checksumFile);
  checkBoolean(where, 'options.force', o.force);
  checkOneOf(where, 'options.verify', o.verify, verifyModes);
  return o;
};

/**
 * Checks that a path argument is a string (what it names is checked when the transaction resolves it, still before
 * anything is touched) and returns it. @throws TypeError.
 */
export const checkTxPath = (where: string, name: string, v: unknown): string => {
  if (typeof v !== 'string') throw optionTypeError(where, name, 'a path (a string)', v);
  return v;
};

/** Checks that `v` is content to write and returns it. @throws TypeError. */
export const checkTxData = (where: string, v: unknown): Data => {
  try {
    assertData(v);
  } catch (e) {
    throw new TypeError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return v;
};

/**
 * Checks the state `expect` asks for: 'absent', 'unchanged' or `{ sha256 }` (64 hex digits), and returns it.
 * @throws TypeError (anything else), TxfsError EINVAL (a sha256 that is not 64 hex digits).
 */
export const checkExpectation = (where: string, v: unknown): Expectation => {
  if (v === 'absent' || v === 'unchanged') return v;
  const sha256 = typeof v === 'object' && v !== null ? (v as { sha256?: unknown }).sha256 : undefined;
  if (typeof sha256 !== 'string') throw optionTypeError(where, 'state', "'absent', 'unchanged' or { sha256: string }", v);
  if (!/^[0-9a-fA-F]{64}$/.test(sha256)) throw new TxfsError('EINVAL', `EINVAL: ${where}: state.sha256 must be 64 hex digits, got ${describeValue(sha256)}`);
  return { sha256 };
};
