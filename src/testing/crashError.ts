/**
 * The error every call of a crashed world rejects with: the machine has lost power.
 */
import { TxfsError } from '../errors.js';

/**
 * A TxfsError with code `ECRASH`, thrown by every FileSystem and Journal call of a crash world after its
 * crash point. `instanceof CrashError` is true for any TxfsError whose code is `ECRASH`.
 */
export class CrashError extends TxfsError {
  /** The 1-based index of the call that did not happen. */
  readonly call: number;

  constructor(call: number, what: string) {
    super('ECRASH', `ECRASH: the simulated machine lost power before call ${call} (${what})`);
    this.name = 'CrashError';
    this.call = call;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof TxfsError && value.code === 'ECRASH';
  }
}

/** True when `e`, or any error in its `cause` chain, is a crash of the simulated machine. */
export const isCrash = (e: unknown): boolean => {
  for (let cur = e, depth = 0; cur !== undefined && cur !== null && depth < 20; depth++) {
    if (cur instanceof CrashError) return true;
    if (cur instanceof AggregateError && cur.errors.some(isCrash)) return true;
    cur = typeof cur === 'object' ? (cur as { cause?: unknown }).cause : undefined;
  }
  return false;
};
