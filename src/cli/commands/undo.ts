/**
 * `txfs undo <txid>`: undo a committed transaction (itself a transaction, so it can be undone too).
 */
import type { Command } from 'commander';
import { action, argString, type ExitBox } from '../action.js';
import type { CliIo } from '../cliIo.js';
import { withStore } from '../context.js';
import { printResult } from '../output.js';

/** Registers `undo`. */
export const registerUndo = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('undo')
    .description('undo a committed transaction: put back what it replaced, remove what it created')
    .argument('<txid>', 'the transaction id (see txfs log)')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const txId = argString(cmd, 0);
        const result = await withStore(ctx, (store) => store.undo(txId, { label: `undo ${txId}` }));
        printResult(ctx, result, () => [
          `${ctx.colors.green('undone')} ${txId} by transaction ${result.id}`,
          ...result.files.map((f) => `  ${f.action.padEnd(8)} ${f.path}`),
        ]);
      }),
    );
};
