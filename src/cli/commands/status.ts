/**
 * `txfs status`: open transactions, locks, backup usage and files changed behind the store's back.
 */
import type { Command } from 'commander';
import { action, type ExitBox } from '../action.js';
import type { CliIo } from '../cliIo.js';
import { withStore } from '../context.js';
import { formatBytes, formatTime } from '../format.js';
import { printResult } from '../output.js';

/** Registers `status`. */
export const registerStatus = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('status')
    .description('show open transactions, locks, backup usage and externally changed files')
    .action(
      action(io, exit, async (ctx) => {
        const status = await withStore(ctx, (store) => store.status());
        printResult(ctx, status, () => {
          const c = ctx.colors;
          const lines = [`${c.bold('root')} ${status.root}`];
          lines.push(`${c.bold('open transactions')} ${status.openTransactions.length === 0 ? 'none' : ''}`.trimEnd());
          for (const t of status.openTransactions) lines.push(`  ${t.id}  ${t.state}  ${t.label ?? ''}`.trimEnd());
          lines.push(`${c.bold('locks')} ${status.locks.length === 0 ? 'none' : ''}`.trimEnd());
          for (const l of status.locks) lines.push(`  ${l.path}  held by ${l.holder} since ${formatTime(l.since)}${l.stale ? " (stale: its process is gone; recovery finishes it)" : ""}`);
          const b = status.backups;
          lines.push(`${c.bold('backups')} ${b.backups} of ${b.files} file(s), ${formatBytes(b.bytes)} (${formatBytes(b.compressedBytes)} compressed)`);
          lines.push(`${c.bold('changed outside txfs')} ${status.externallyChanged.length === 0 ? 'none' : ''}`.trimEnd());
          for (const x of status.externallyChanged) lines.push(`  ${c.yellow(x.kind)} ${x.path}`);
          return lines;
        });
      }),
    );
};
