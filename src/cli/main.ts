#!/usr/bin/env node
/**
 * The `txfs` executable: wires the real process (streams, environment, disk, store, terminal prompts) to the CLI.
 */
import { nodeFileSystem } from '../fs/node.js';
import type { StoreOptions } from '../types.js';
import type { CliIo } from './cliIo.js';
import { runCli } from './program.js';
import { inquirerPrompter } from './prompter.js';

let interruption: Promise<void> | undefined;
const interrupted = (): Promise<void> =>
  (interruption ??= new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }));

// `txfs log | head -3`: once the reader has gone, there is nobody left to tell; end quietly as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  fs: nodeFileSystem,
  // Loaded on first use: commands that need no store (help, checksum) start without the journal's native module.
  openStore: async (options: StoreOptions) => (await import('../store/openStore.js')).openStore(options),
  prompter: inquirerPrompter(process.stdin, process.stderr),
  self: { execPath: process.execPath, args: [...process.execArgv, process.argv[1] ?? ''] },
  interrupted,
};

const code = await runCli(process.argv.slice(2), io);
process.exitCode = code;
// Whatever a library may still hold open (a watcher, a timer) must not keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();
process.stdin.pause();
