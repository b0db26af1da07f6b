/**
 * The `--json` form of an error: one JSON document on stdout, `{"error":{"code":…,"message":…,"path":…}}`, so that a
 * script reading stdout learns what failed without parsing the line on stderr.
 */
import { TxfsError } from '../errors.js';
import { errorLine } from './errorLine.js';
import { isPromptExit } from './exitCodes.js';
import { UsageError } from './usageError.js';

/** What `--json` prints for an error; `path` only when the error names one. */
export interface ErrorReport {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly path?: string;
  };
}

/**
 * The stable code of any error: a TxfsError's code, `EUSAGE` for a usage error, `ECANCELLED` for a prompt the person
 * cancelled, an OS error's errno name, else `EUNKNOWN`. Never throws.
 */
export const errorCode = (e: unknown): string => {
  if (e instanceof TxfsError || e instanceof UsageError) return e.code;
  if (isPromptExit(e)) return 'ECANCELLED';
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code !== '' ? code : 'EUNKNOWN';
};

/** The path an error names, when it names one. Never throws. */
const errorPath = (e: unknown): string | undefined => {
  if (e instanceof TxfsError) return e.path;
  const p = e instanceof Error ? (e as { path?: unknown }).path : undefined;
  return typeof p === 'string' ? p : undefined;
};

/** The JSON document of `e`, with the same one-line message as on stderr (never the stack). Never throws. */
export const errorReport = (e: unknown): ErrorReport => {
  const path = errorPath(e);
  return { error: { code: errorCode(e), message: errorLine(e, false), ...(path === undefined ? {} : { path }) } };
};
