/**
 * `txfs repair [files…]`: put every damaged file back to the version the store wrote, from its kept copy
 * (`backups.keepCurrent`), as one transaction that `txfs undo` can undo.
 */
import type { Command } from 'commander';
import type { RepairReport } from '../../types.js';
import { action, argList, type ExitBox } from '../action.js';
import type { CliContext, CliIo } from '../cliIo.js';
import { storePath, withStore } from '../context.js';
import { ExitCode } from '../exitCodes.js';
import { formatBytes, shortSha } from '../format.js';
import { printResult } from '../output.js';

/** The human lines of a repair report. Never throws. */
export const repairLines = (ctx: CliContext, r: RepairReport): string[] => {
  const c = ctx.colors;
  const lines = r.versions.map(
    (v) => `${c.green('repaired')} ${v.path}: the version transaction ${v.writtenBy} wrote (${formatBytes(v.size)}, sha256 ${shortSha(v.sha256)}) is back`,
  );
  for (const u of r.unrepairable) lines.push(`${c.red('not repaired')} ${u.path}: ${u.reason}`);
  if (r.txId !== undefined) lines.push(`repair transaction ${r.txId} (undo it with txfs undo ${r.txId}; the damaged content is kept as a backup)`);
  if (r.repaired.length === 0 && r.unrepairable.length === 0) lines.push(c.green('nothing to repair: every file holds what the store wrote'));
  return lines;
};

/** Registers `repair`. */
export const registerRepair = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('repair')
    .description('put damaged files back to the version txfs wrote, from their kept copies (exit 1 if any cannot be)')
    .argument('[files...]', 'files to repair, relative to the root (default: every file whose content differs from what txfs wrote)')
    .addHelpText(
      'after',
      `
A file is damaged when its content differs from the checksum txfs recorded (corrupted, changed or deleted behind its
back). Repair needs the copy a store opened with backups: { keepCurrent: true } keeps of each version it writes;
without one it names the newest intact backup, to restore with txfs backups restore.`,
    )
    .action(
      action(io, exit, async (ctx, cmd) => {
        const files = argList(cmd, 0).map(storePath);
        const report = await withStore(ctx, (store) => store.repair(files.length === 0 ? undefined : files));
        printResult(ctx, report, () => repairLines(ctx, report));
        return report.unrepairable.length === 0 ? ExitCode.ok : ExitCode.failed;
      }),
    );
};
