/**
 * `txfs watch [files…]`: report files that change behind txfs's back, until interrupted (or after the first with --once).
 */
import type { Command } from 'commander';
import type { ExternalChange } from '../../types.js';
import { action, argList, type ExitBox } from '../action.js';
import type { CliIo } from '../cliIo.js';
import { storePath, withStore } from '../context.js';
import { shortSha } from '../format.js';
import { note, printEvent } from '../output.js';

/** Registers `watch`. */
export const registerWatch = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('watch')
    .description('report files txfs wrote that are changed or deleted by something else (one line, or JSON line, each)')
    .argument('[files...]', 'files or directories to watch, relative to the root (default: all)')
    .option('--once', 'exit after the first report')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const files = argList(cmd, 0).map(storePath);
        const once = cmd.opts<{ once?: boolean }>().once === true;
        await withStore(ctx, async (store) => {
          const it = store.watch(files.length === 0 ? undefined : files)[Symbol.asyncIterator]();
          const stop = ctx.io.interrupted().then(() => 'stop' as const);
          note(ctx, ctx.colors.dim(`watching ${files.length === 0 ? ctx.root : files.join(', ')} for changes made outside txfs (Ctrl-C to stop)`));
          try {
            for (;;) {
              const r = await Promise.race([it.next(), stop]);
              if (r === 'stop' || r.done === true) break;
              const x: ExternalChange = r.value;
              printEvent(
                ctx,
                x,
                x.kind === 'deleted'
                  ? `${ctx.colors.red('deleted')}  ${x.path}  (txfs wrote sha256 ${shortSha(x.expected)})`
                  : `${ctx.colors.yellow('modified')} ${x.path}  sha256 ${shortSha(x.actual)}, txfs wrote ${shortSha(x.expected)}`,
              );
              if (once) break;
            }
          } finally {
            await it.return?.();
          }
        });
      }),
    );
};
