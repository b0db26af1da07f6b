/**
 * `txfs verify [files…]`: the integrity scan of the files the manifest knows, with a progress bar.
 */
import type { Command } from 'commander';
import type { VerifyReport } from '../../types.js';
import { action, argList, type ExitBox } from '../action.js';
import type { CliContext, CliIo } from '../cliIo.js';
import { storePath, withStore } from '../context.js';
import { ExitCode } from '../exitCodes.js';
import { printResult } from '../output.js';
import { createProgress } from '../progress.js';

/** The human lines of a verify report (`what`: "file" or "backup"). Never throws. */
export const verifyLines = (ctx: CliContext, r: VerifyReport, what: 'file' | 'backup'): string[] => {
  const c = ctx.colors;
  const lines = r.problems.map((p) => `${c.red(p.kind.padEnd(9))} ${p.path}: ${p.message}`);
  lines.push(
    r.problems.length === 0
      ? c.green(`${r.checked} ${what}(s) checked, all intact`)
      : c.red(`${r.checked} ${what}(s) checked, ${r.problems.length} problem(s)`) +
          (what === 'file' && r.problems.some((p) => p.kind !== 'unindexed') ? ' — restore a good version with txfs backups restore <file>' : ''),
  );
  return lines;
};

/** Registers `verify`. */
export const registerVerify = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('verify')
    .description('check files against the checksums recorded when txfs wrote them (exit 1 on any problem)')
    .argument('[files...]', 'files to check, relative to the root (default: every file txfs knows)')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const files = argList(cmd, 0).map(storePath);
        const progress = createProgress(ctx, 'verifying');
        let report: VerifyReport;
        try {
          report = await withStore(ctx, (store) =>
            store.verify(files.length === 0 ? undefined : files, { onProgress: (d, t) => progress.update(d, t) }),
          );
        } finally {
          progress.stop();
        }
        printResult(ctx, report, () => verifyLines(ctx, report, 'file'));
        return report.problems.length === 0 ? ExitCode.ok : ExitCode.failed;
      }),
    );
};
