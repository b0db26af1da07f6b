/**
 * Runs validators on content and makes every rejection an EVALIDATION error naming the validator.
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

/**
 * Runs every validator on `content`, in order; the first rejection wins.
 * @throws TxfsError EVALIDATION with `validator`, and `line`/`column` when known.
 */
export const runValidators = async (validators: readonly Validator[], content: Buffer, path?: string): Promise<void> => {
  for (const v of validators) {
    try {
      await v.validate(content);
    } catch (e) {
      throw validationError(v.name, e, path);
    }
  }
};
