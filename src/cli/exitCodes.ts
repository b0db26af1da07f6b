/**
 * The exit codes of `txfs` (API.md): 0 ok, 1 operation failed, 2 usage error, 3 conflict declined or cancelled.
 */
import { TxfsError } from '../errors.js';
import { UsageError } from './usageError.js';

/** Named exit codes. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, declined: 3 } as const;

/** One of the exit codes above. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** True for the error an `@inquirer/prompts` prompt rejects with when the user presses Ctrl-C or the prompt is closed. */
export const isPromptExit = (e: unknown): boolean =>
  e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError' || e.name === 'CancelPromptError');

/** The exit code an error ends the command with: usage errors 2, conflicts and cancelled prompts 3, anything else 1. Never throws. */
export const exitCodeFor = (e: unknown): ExitCode => {
  if (e instanceof UsageError) return ExitCode.usage;
  if (e instanceof TxfsError && (e.code === 'ECONFLICT' || e.code === 'ECANCELLED')) return ExitCode.declined;
  if (isPromptExit(e)) return ExitCode.declined;
  return ExitCode.failed;
};
