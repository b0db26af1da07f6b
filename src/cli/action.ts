/**
 * The glue between commander and the commands: builds the context from the global options and records
 * the exit code a command ends with.
 */
import type { Command } from 'commander';
import type { CliContext, CliIo } from './cliIo.js';
import { createContext, type GlobalOptions } from './context.js';
import { ExitCode } from './exitCodes.js';

/** A command's body: resolves with its exit code (0 when nothing is returned); rejects with the error to print. */
export type CommandBody = (ctx: CliContext, cmd: Command) => Promise<ExitCode | undefined | void>;

/** Where the exit code of the command that ran is kept. */
export interface ExitBox {
  code: ExitCode;
}

/** Makes a commander action out of a command body. The action rejects as the body does. */
export const action =
  (io: CliIo, exit: ExitBox, body: CommandBody) =>
  async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const ctx = createContext(io, cmd.optsWithGlobals<GlobalOptions>());
    const code = await body(ctx, cmd);
    exit.code = code ?? ExitCode.ok;
  };

/** The `index`th positional argument as a string (commander guarantees required ones). */
export const argString = (cmd: Command, index: number): string => {
  const v = cmd.processedArgs[index] as unknown;
  return typeof v === 'string' ? v : '';
};

/** The `index`th positional argument as a list of strings (variadic arguments; empty when absent). */
export const argList = (cmd: Command, index: number): string[] => {
  const v = cmd.processedArgs[index] as unknown;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
};
