/**
 * `txfs recover`: open the store, which runs recovery, and print what recovery did.
 */
import type { Command } from 'commander';
import type { RecoveryReport } from '../../types.js';
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

/** Registers `recover`. */
export const registerRecover = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('recover')
    .description('finish or undo transactions interrupted by a crash, and print what was done')
    .action(
      action(io, exit, async (ctx) => {
        const report = await withStore(ctx, async (store) => store.recovery, { quietRecovery: true });
        printResult(ctx, report, () => recoveryLines(ctx, report));
      }),
    );
};
