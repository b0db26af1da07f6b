/**
 * Runs validators on content and makes every rejection an EVALIDATION error naming the validator; an AbortSignal
 * ends the wait for a validator that does not settle.
 */
import { TxfsError } from '../errors.js';
import type { Validator } from '../types.js';

const numberProp = (e: unknown, key: string): number | undefined => {
  if (typeof e !== 'object' || e === null) return undefined;
  const v = (e as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** The EVALIDATION error for whatever validator `name` threw, keeping line/column when the thrown value has them. */
export const validationError = (name: string, e: unknown, path?: string): TxfsError => {
  if (e instanceof TxfsError && e.code === 'EVALIDATION' && e.validator !== undefined) {
    if (path === undefined || e.path !== undefined) return e;
    return new TxfsError('EVALIDATION', `${e.message} (${path})`, { path, validator: e.validator, line: e.line, column: e.column, cause: e.cause });
  }
  const line = numberProp(e, 'line');
  const column = numberProp(e, 'column');
  const where = line === undefined ? '' : ` at line ${line}${column === undefined ? '' : `, column ${column}`}`;
  const reason = e instanceof Error ? e.message : String(e);
  return new TxfsError('EVALIDATION', `EVALIDATION: ${name} validation failed${where}: ${reason}${path === undefined ? '' : ` (${path})`}`, {
    path,
    validator: name,
    line,
    column,
    cause: e,
  });
};

/** How `runValidators` runs. */
export interface RunValidatorsOptions {
  /** The file the content is for, named in errors. */
  readonly path?: string;
  /** Stops waiting for a validator (which may never settle) as soon as it fires: EABORTED. */
  readonly signal?: AbortSignal;
}

const abortedWhile = (name: string, signal: AbortSignal, path: string | undefined): TxfsError =>
  new TxfsError('EABORTED', `EABORTED: the operation was aborted while the ${name} validator was running; nothing was replaced${path === undefined ? '' : ` (${path})`}`, {
    path,
    validator: name,
    cause: signal.reason,
  });

/** `p`, or EABORTED as soon as `signal` fires (what `p` does later is ignored: a validator cannot be cancelled). */
const unlessAborted = (p: Promise<void>, signal: AbortSignal, aborted: () => TxfsError): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });

/**
 * Runs every validator on `content`, in order; the first rejection wins. With `signal`, a validator still running
 * when it fires is left behind (its outcome ignored) and the call rejects with EABORTED at once.
 * @throws TxfsError EVALIDATION with `validator`, and `line`/`column` when known; EABORTED when `signal` fires.
 */
export const runValidators = async (validators: readonly Validator[], content: Buffer, { path, signal }: RunValidatorsOptions = {}): Promise<void> => {
  for (const v of validators) {
    if (signal?.aborted === true) throw abortedWhile(v.name, signal, path);
    const run = (async () => {
      try {
        await v.validate(content);
      } catch (e) {
        throw validationError(v.name, e, path);
      }
    })();
    await (signal === undefined ? run : unlessAborted(run, signal, () => abortedWhile(v.name, signal, path)));
  }
};
