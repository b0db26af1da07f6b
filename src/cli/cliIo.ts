/**
 * Everything the commands need from the outside world, injected so that each piece can be tested alone:
 * the streams, the environment, the disk, the store factory and the prompts.
 */
import type pc from 'picocolors';
import type { FileSystem } from '../fs/fileSystem.js';
import type { Store, StoreOptions } from '../types.js';

/** The colour functions of picocolors (plain identity functions when colours are off). */
export type Colors = ReturnType<typeof pc.createColors>;

/** A stream the CLI writes to; `isTTY` tells a terminal from a pipe or file. */
export interface OutStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** One answer of a pick list. */
export interface Choice<V extends string> {
  readonly name: string;
  readonly value: V;
  readonly description?: string;
}

/** Interactive questions, answered by a person on a terminal. Rejects when the person cancels (Ctrl-C). */
export interface Prompter {
  select<V extends string>(message: string, choices: ReadonlyArray<Choice<V>>): Promise<V>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
}

/** The outside world of the CLI. */
export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly fs: FileSystem;
  readonly openStore: (options: StoreOptions) => Promise<Store>;
  readonly prompter: Prompter;
  /** The command line that starts this CLI again (node, its flags, the entry script), for the demo's child process. */
  readonly self: { readonly execPath: string; readonly args: readonly string[] };
  /**
   * Resolves when the user asks the process to stop (SIGINT / SIGTERM). Only long-running commands call it: from
   * then on those signals no longer kill the process outright, so the command can close the store first.
   */
  readonly interrupted: () => Promise<void>;
}

/** Settings every command sees, from the global options and the environment. */
export interface CliContext {
  readonly io: CliIo;
  readonly root: string;
  readonly json: boolean;
  readonly colors: Colors;
  /** Prompts may be shown: stdin and stderr are terminals and --json is off. */
  readonly interactive: boolean;
  /** Progress bars may be drawn: stderr is a terminal and --json is off. */
  readonly progress: boolean;
  readonly debug: boolean;
}
