/**
 * `txfs rm <file…>`: delete files into the backup store (restorable with `txfs backups restore`).
 */
import type { Command } from 'commander';
import { action, argList, type ExitBox } from '../action.js';
import type { CliIo } from '../cliIo.js';
import { storePath, withStore } from '../context.js';
import { printResult } from '../output.js';

/** Registers `rm`. */
export const registerRm = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('rm')
    .description('delete files; each is kept in the backup store and can be restored')
    .argument('<file...>', 'file(s) to delete, relative to the root')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const files = argList(cmd, 0).map(storePath);
        const result = await withStore(ctx, (store) =>
          files.length === 1
            ? store.deleteFile(files[0] ?? '')
            : store.transaction(
                (tx) => {
                  for (const f of files) tx.delete(f);
                },
                { label: `txfs rm ${files.length} files` },
              ),
        );
        printResult(ctx, result, () =>
          result.files.map(
            (f) =>
              `${ctx.colors.red(f.action)} ${f.path}${f.backup === undefined ? '' : `  (kept as backup ${f.backup.id}: txfs backups restore ${f.path})`}`,
          ),
        );
      }),
    );
};
