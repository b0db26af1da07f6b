/**
 * Builds the settings every command runs with (root, --json, colours, TTY) and opens the store for it.
 */
import * as path from 'node:path';
import pc from 'picocolors';
import { hasCode } from '../errors.js';
import { checkRoot } from '../store/stateDir.js';
import { resolveStorePath, type StorePath } from '../transaction/paths.js';
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

/** The store's state directory under the root: openStore's default, which the CLI never changes. */
const stateDirName = '.txfs';

/**
 * Resolves files the user typed by the store's path rules without opening a store (for commands that touch files
 * themselves): relative to the root, never outside it, never through a symbolic link leading out, never into the state
 * directory. Every path is resolved before the caller touches any, so one bad path means nothing is written.
 * @throws TxfsError EOUTSIDE for such a path; EINVAL for the root itself; ENOENT, ENOTDIR for a missing root; ELOOP,
 *   EACCES … from realpath.
 */
export const resolveInRoot = async (ctx: CliContext, typed: readonly string[]): Promise<StorePath[]> => {
  const fs = ctx.io.fs;
  const rootReal = await checkRoot(fs, ctx.root);
  const stateDir = path.join(ctx.root, stateDirName);
  const stateDirReal = await fs.realpath(stateDir).catch((e: unknown) => {
    if (hasCode(e, 'ENOENT')) return path.join(rootReal, stateDirName);
    throw e;
  });
  const scope = { root: ctx.root, rootReal, stateDir, stateDirReal };
  const resolved: StorePath[] = [];
  for (const p of typed) resolved.push(await resolveStorePath(fs, scope, storePath(p)));
  return resolved;
};

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
