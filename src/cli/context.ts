/**
 * Builds the settings every command runs with (root, --json, colours, TTY) and opens the store for it.
 */
import * as path from 'node:path';
import pc from 'picocolors';
import type { Store } from '../types.js';
import type { CliContext, CliIo } from './cliIo.js';
import { note } from './output.js';

/** The global options as commander parses them. */
export interface GlobalOptions {
  readonly root?: string;
  readonly json?: boolean;
}

/** True when the NO_COLOR convention (no-color.org) asks for plain output: set and not empty. */
const noColor = (env: CliIo['env']): boolean => (env.NO_COLOR ?? '') !== '';

/** The context of one command run. Never throws. */
export const createContext = (io: CliIo, options: GlobalOptions): CliContext => {
  const json = options.json === true;
  const colour = !noColor(io.env) && io.stdout.isTTY === true && io.stderr.isTTY === true;
  return {
    io,
    root: path.resolve(io.cwd, options.root ?? '.'),
    json,
    colors: pc.createColors(colour),
    interactive: io.stdin.isTTY === true && io.stderr.isTTY === true,
    progress: !json && io.stderr.isTTY === true,
    debug: io.env.TXFS_DEBUG === '1',
  };
};

/**
 * A store path as the user typed it: relative paths are relative to the root (as in the API), absolute ones are
 * passed on (the store rejects them with EOUTSIDE when they lie outside the root). Never throws.
 */
export const storePath = (typed: string): string => (path.isAbsolute(typed) ? typed : typed.split(path.sep).join('/'));

/** A file the CLI reads or writes itself (not through the store): absolute, relative to the working directory. */
export const localPath = (ctx: CliContext, typed: string): string => path.resolve(ctx.io.cwd, typed);

/**
 * Opens the store at the root (recovery runs first, and what it did is noted on stderr), runs `fn`, and closes it.
 * Rejects as openStore or `fn` does (EJOURNAL, ELOCKED, …).
 */
export const withStore = async <A>(ctx: CliContext, fn: (store: Store) => Promise<A>, options: { quietRecovery?: boolean } = {}): Promise<A> => {
  const store = await ctx.io.openStore({ root: ctx.root });
  try {
    const r = store.recovery;
    if (options.quietRecovery !== true && (r.rolledForward.length > 0 || r.rolledBack.length > 0)) {
      note(ctx, ctx.colors.cyan(`Recovered ${r.rolledForward.length} interrupted transaction(s) forward and ${r.rolledBack.length} back.`));
    }
    return await fn(store);
  } finally {
    await store.close();
  }
};
