/**
 * AbortSignal checks between the steps of a write.
 */
import { TxfsError } from '../errors.js';

/**
 * Throws EABORTED when `signal` has fired.
 * @throws TxfsError EABORTED.
 */
export const throwIfAborted = (signal: AbortSignal | undefined, path: string): void => {
  if (signal?.aborted === true) throw abortedError(signal, path);
};

/** The EABORTED error for a fired `signal`, its reason kept as `cause`. */
export const abortedError = (signal: AbortSignal, path: string): TxfsError =>
  new TxfsError('EABORTED', `EABORTED: the operation was aborted; nothing was replaced (${path})`, { path, cause: signal.reason });
