/**
 * `txfs demo [DIR]` and its hidden helper `txfs __demo-export <root> [--slow]` (the child the demo kills).
 */
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { hasCode } from '../../errors.js';
import { action, argString, type ExitBox } from '../action.js';
import type { CliContext, CliIo } from '../cliIo.js';
import { runDemoExport } from '../demo/demoExport.js';
import { runDemo } from '../demo/runDemo.js';
import { printResult } from '../output.js';
import { UsageError } from '../usageError.js';

/** Makes the demo directory: DIR (new, or empty), else a fresh one in the system's temp directory. */
const prepareDir = async (ctx: CliContext, typed: string): Promise<string> => {
  const dir = typed === '' ? path.join(os.tmpdir(), `txfs-demo-${randomUUID().slice(0, 8)}`) : path.resolve(ctx.io.cwd, typed);
  try {
    const names = await ctx.io.fs.readdir(dir);
    if (names.length > 0) throw new UsageError(`${dir} is not empty: give the demo a new or empty directory (or none for a temporary one)`);
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
    await ctx.io.fs.mkdir(dir, { recursive: true });
  }
  return ctx.io.fs.realpath(dir);
};

/** Registers `demo` and the hidden `__demo-export`. */
export const registerDemo = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('demo')
    .description('a narrated tour: an export in a transaction, a crash in the middle, recovery, a conflict, a corrupted file, its repair')
    .argument('[dir]', 'where to run it (new or empty; default: a fresh temporary directory)')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const dir = await prepareDir(ctx, argString(cmd, 0));
        // With --json the narration goes to stderr and stdout carries only the summary.
        const say = (line: string): void => void (ctx.json ? ctx.io.stderr : ctx.io.stdout).write(`${line}\n`);
        const summary = await runDemo(ctx, dir, say);
        if (ctx.json) printResult(ctx, summary, () => []);
      }),
    );

  program
    .command('__demo-export', { hidden: true })
    .argument('<root>')
    .option('--slow')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const root = path.resolve(ctx.io.cwd, argString(cmd, 0));
        const store = await ctx.io.openStore({ root });
        try {
          const id = await runDemoExport(store, cmd.opts<{ slow?: boolean }>().slow === true, (line) => ctx.io.stdout.write(`${line}\n`));
          ctx.io.stdout.write(`COMMITTED ${id}\n`);
        } finally {
          await store.close();
        }
      }),
    );
};
