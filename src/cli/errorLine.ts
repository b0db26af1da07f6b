/**
 * Turns any error into the one line a person can act on (and the stack, only when TXFS_DEBUG=1).
 */
import { TxfsError } from '../errors.js';
import { isPromptExit } from './exitCodes.js';
import { UsageError } from './usageError.js';

/** What to do next, by code, when the message alone does not say it. */
const hints: Record<string, string> = {
  ECONFLICT: 'pass --on-exists overwrite, skip, rename or keep-both to choose what happens',
  ELOCKED: 'another transaction holds the file: wait for it, or run `txfs recover` if that process is gone',
  EVALIDATION: 'fix the content (or drop --validate); nothing was replaced',
  EINTEGRITY: 'restore a good version with `txfs backups restore <file>`',
  EJOURNAL: 'the journal record is unreadable: keep a copy of the .txfs directory and run `txfs recover`',
  EOUTSIDE: 'give a path inside the store root (see --root)',
  EABORTED: 'nothing was replaced',
};

const firstLine = (s: string): string => s.split('\n', 1)[0] ?? s;

/**
 * The message of `e` as one line: `<message> — <hint>`; with `debug`, followed by the stack on further lines.
 * Never throws.
 */
export const errorLine = (e: unknown, debug: boolean): string => {
  let line: string;
  if (e instanceof UsageError) line = e.message;
  else if (isPromptExit(e) || (e instanceof TxfsError && isPromptExit(e.cause))) line = 'cancelled at the prompt: nothing was changed';
  else if (e instanceof TxfsError) {
    const hint = hints[e.code];
    const path = e.path !== undefined && !e.message.includes(e.path) ? ` (${e.path})` : '';
    const base = e.message.startsWith(e.code) ? e.message : `${e.code}: ${e.message}`;
    line = `${firstLine(base)}${path}${hint === undefined || e.message.includes(hint) ? '' : ` — ${hint}`}`;
  } else if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    line = typeof code === 'string' && !e.message.startsWith(code) ? `${code}: ${firstLine(e.message)}` : firstLine(e.message);
  } else line = String(e);
  if (!debug) return line;
  const stack = e instanceof Error && e.stack !== undefined ? e.stack : '';
  return stack === '' ? line : `${line}\n${stack}`;
};
