/**
 * `txfs log [file]`: the transaction history, newest first.
 */
import type { Command } from 'commander';
import type { TxSummary } from '../../types.js';
import { action, argString, type ExitBox } from '../action.js';
import type { CliIo } from '../cliIo.js';
import { storePath, withStore } from '../context.js';
import { formatTime } from '../format.js';
import { printResult } from '../output.js';
import { UsageError } from '../usageError.js';

/** Registers `log`. */
export const registerLog = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('log')
    .description('list transactions, newest first (only those touching FILE when given)')
    .argument('[file]', 'a file, relative to the root')
    .option('-n, --limit <count>', 'show at most COUNT transactions', '20')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const file = argString(cmd, 0);
        const limit = Number(cmd.opts<{ limit: string }>().limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a positive whole number, for example --limit 50');
        const entries = await withStore(ctx, async (store) => {
          const out: TxSummary[] = [];
          for await (const t of store.log({ limit, ...(file === '' ? {} : { path: storePath(file) }) })) {
            out.push(t);
            if (out.length >= limit) break;
          }
          return out;
        });
        printResult(ctx, entries, () => {
          if (entries.length === 0) return [file === '' ? 'no transactions yet' : `no transaction touched ${file}`];
          const c = ctx.colors;
          return entries.flatMap((t) => [
            `${c.yellow(t.id)}  ${formatTime(t.startedAt)}  ${t.state}${t.label === undefined ? '' : `  ${t.label}`}${t.undoes === undefined ? '' : `  (undoes ${t.undoes})`}`,
            ...t.files.map((f) => `    ${f.action.padEnd(8)} ${f.path}`),
          ]);
        });
      }),
    );
};
