/**
 * `txfs recover`: open the store, which runs recovery, and print what recovery did. With `--rebuild`, first rebuild
 * a journal that was lost or damaged (the backup index, from the backup directory; a damaged journal is set aside).
 */
import type { Command } from 'commander';
import { rebuildJournal } from '../../store/rebuild.js';
import type { RebuildReport, RecoveryReport } from '../../types.js';
import { action, type ExitBox } from '../action.js';
import type { CliContext, CliIo } from '../cliIo.js';
import { withStore } from '../context.js';
import { printResult } from '../output.js';

/** The human lines of a recovery report. Never throws. */
export const recoveryLines = (ctx: CliContext, r: RecoveryReport): string[] => {
  const c = ctx.colors;
  const clean = r.rolledForward.length === 0 && r.rolledBack.length === 0 && r.tempFilesRemoved === 0 && r.staleLocksBroken === 0;
  const lines = [clean ? c.green('Nothing to recover: the journal is clean.') : c.green('Recovery finished.')];
  for (const id of r.rolledForward) lines.push(`  rolled forward  ${id}  (committed before the interruption: completed)`);
  for (const id of r.rolledBack) lines.push(`  rolled back     ${id}  (interrupted before its commit point: undone)`);
  if (r.tempFilesRemoved > 0) lines.push(`  temp files removed: ${r.tempFilesRemoved}`);
  if (r.staleLocksBroken > 0) lines.push(`  stale locks broken: ${r.staleLocksBroken}`);
  for (const p of r.problems) lines.push(`  ${c.yellow(p.code)} ${p.txId}${p.path === undefined ? '' : ` ${p.path}`}: ${p.message}`);
  lines.push(c.dim(`  took ${r.durationMs.toFixed(1)} ms`));
  return lines;
};

/** The human lines of a rebuild report. Never throws. */
export const rebuildLines = (ctx: CliContext, r: RebuildReport): string[] => {
  const c = ctx.colors;
  if (!r.rebuilt) return [c.green('Nothing to rebuild: the journal is intact.')];
  const lines = [c.green(`Journal rebuilt: ${r.indexed} backup(s) indexed again from the backup directory.`)];
  if (r.setAside !== undefined) lines.push(`  the damaged or foreign journal was moved to ${r.setAside} (remove it once done with it)`);
  for (const s of r.skipped) lines.push(`  ${c.yellow('skipped')} ${s.file}: ${s.reason}`);
  lines.push(c.dim('  not rebuilt: the log, undo and the manifest (files show as unindexed until written again)'));
  return lines;
};

/** Registers `recover`. */
export const registerRecover = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('recover')
    .description('finish or undo transactions interrupted by a crash, and print what was done')
    .option('--rebuild', 'first rebuild a lost or damaged journal from the backup directory (the backup index; a damaged journal is set aside)')
    .action(
      action(io, exit, async (ctx, cmd) => {
        if (cmd.opts<{ rebuild?: boolean }>().rebuild !== true) {
          const report = await withStore(ctx, async (store) => store.recovery, { quietRecovery: true });
          printResult(ctx, report, () => recoveryLines(ctx, report));
          return;
        }
        const rebuild = await rebuildJournal({ root: ctx.root, fs: ctx.io.fs });
        const recovery = await withStore(ctx, async (store) => store.recovery, { quietRecovery: true });
        printResult(ctx, { rebuild, recovery }, () => [...rebuildLines(ctx, rebuild), ...recoveryLines(ctx, recovery)]);
      }),
    );
};
