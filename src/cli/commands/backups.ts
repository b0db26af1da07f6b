/**
 * `txfs backups list|restore|verify|prune|usage`: the backup store.
 */
import type { Command } from 'commander';
import { TxfsError } from '../../errors.js';
import type { BackupEntry, VerifyReport } from '../../types.js';
import { action, argString, type ExitBox } from '../action.js';
import type { CliContext, CliIo } from '../cliIo.js';
import { storePath, withStore } from '../context.js';
import { ExitCode } from '../exitCodes.js';
import { formatBytes, formatTable, formatTime, shortSha, visibleLength } from '../format.js';
import { note, printResult } from '../output.js';
import { createProgress } from '../progress.js';
import { askForBackup } from '../restorePick.js';
import { verifyLines } from './verify.js';

/** What the last column of `backups list` says about a backup. */
const notes = (ctx: CliContext, b: BackupEntry): string =>
  [
    ...(b.current === true ? [ctx.colors.green('current version (kept copy)')] : []),
    ...(b.damaged === true ? [ctx.colors.red('damaged: not what txfs wrote')] : []),
    ...(b.compressed ? ['gzip'] : []),
  ].join(', ');

const listLines = (ctx: CliContext, file: string, entries: readonly BackupEntry[]): string[] => {
  if (entries.length === 0) return [`no backups of ${file}`];
  const rows = [['ID', 'TIME', 'SIZE', 'TRANSACTION', 'SHA256', ''].map((h) => ctx.colors.dim(h))];
  for (const b of entries) {
    rows.push([b.id, formatTime(b.createdAt), formatBytes(b.size), b.txId ?? '-', shortSha(b.sha256), notes(ctx, b)]);
  }
  const lines = formatTable(rows, visibleLength);
  if (entries.some((b) => b.damaged === true)) {
    lines.push(ctx.colors.dim('a damaged backup holds what the file held when it was corrupted or changed behind txfs\'s back: restored only with --backup'));
  }
  return lines;
};

/**
 * Chooses the backup to restore: --backup, else the pick list on a terminal, else the newest earlier version that
 * is not damaged (undefined: declined).
 */
const chooseBackup = async (ctx: CliContext, file: string, entries: readonly BackupEntry[], id: string | undefined, yes: boolean): Promise<BackupEntry | string | undefined> => {
  if (id !== undefined) return id;
  if (ctx.interactive && !ctx.json && !yes && entries.length > 0) {
    return askForBackup({ prompter: ctx.io.prompter, colors: ctx.colors, path: file, backups: entries });
  }
  const newest = entries.find((b) => b.damaged !== true && b.current !== true);
  if (newest !== undefined) return newest;
  const why = entries.some((b) => b.damaged === true) ? 'no intact backup (only damaged ones, restored only with --backup ID)' : 'no backups';
  throw new TxfsError('ENOENT', `ENOENT: ${file} has ${why} to restore (see txfs backups list ${file})`, { path: file });
};

/** Registers `backups` and its subcommands. */
export const registerBackups = (program: Command, io: CliIo, exit: ExitBox): void => {
  const backups = program.command('backups').description('list, restore, verify and prune the kept versions of files');

  backups
    .command('list')
    .description("list a file's backups, newest first")
    .argument('<file>', 'a file, relative to the root')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const file = storePath(argString(cmd, 0));
        const entries = await withStore(ctx, (store) => store.backups.list(file));
        printResult(ctx, entries, () => listLines(ctx, file, entries));
      }),
    );

  backups
    .command('restore')
    .description('restore a file from a backup (on a terminal without --backup: pick from a list)')
    .argument('<file>', 'a file, relative to the root')
    .option('--backup <id>', 'the backup to restore (see txfs backups list); default: the newest one that is not damaged')
    .option('--to <path>', 'restore to another path instead of over the file')
    .option('-y, --yes', 'do not ask: restore the newest backup that is not damaged')
    .addHelpText(
      'after',
      `
Without --backup, on a terminal, txfs lists the file's backups (time, size, transaction) to pick from and asks
for confirmation; elsewhere it restores the newest one that is not damaged. The current file is backed up first, so
a restore can be undone. To bring back the version txfs wrote last after it was damaged, use txfs repair.

Examples:
  $ txfs backups restore report.csv
  $ txfs backups restore report.csv --backup 0mwwehyf0000d152f-0 --to report-old.csv`,
    )
    .action(
      action(io, exit, async (ctx, cmd) => {
        const file = storePath(argString(cmd, 0));
        const opts = cmd.opts<{ backup?: string; to?: string; yes?: boolean }>();
        return withStore(ctx, async (store) => {
          const entries = opts.backup === undefined ? await store.backups.list(file) : [];
          const chosen = await chooseBackup(ctx, file, entries, opts.backup, opts.yes === true);
          if (chosen === undefined) {
            note(ctx, 'Nothing restored.');
            return ExitCode.declined;
          }
          const result = await store.backups.restore(file, { backup: chosen, ...(opts.to === undefined ? {} : { to: storePath(opts.to) }) });
          printResult(ctx, result, () => [
            `${ctx.colors.green('restored')} ${opts.to ?? file} from backup ${typeof chosen === 'string' ? chosen : chosen.id} (transaction ${result.id})`,
            ...result.files.filter((f) => f.backup !== undefined).map((f) => `  the replaced version of ${f.path} is kept as backup ${f.backup?.id ?? ''}`),
          ]);
          return ExitCode.ok;
        });
      }),
    );

  backups
    .command('verify')
    .description('check every backup against its recorded SHA-256')
    .action(
      action(io, exit, async (ctx) => {
        const progress = createProgress(ctx, 'verifying backups');
        let report: VerifyReport;
        try {
          report = await withStore(ctx, (store) => store.backups.verify({ onProgress: (d, t) => progress.update(d, t) }));
        } finally {
          progress.stop();
        }
        printResult(ctx, report, () => verifyLines(ctx, report, 'backup'));
        return report.problems.length === 0 ? ExitCode.ok : ExitCode.failed;
      }),
    );

  backups
    .command('prune')
    .description('apply the retention policy now')
    .action(
      action(io, exit, async (ctx) => {
        const r = await withStore(ctx, (store) => store.backups.prune());
        printResult(ctx, r, () => [`removed ${r.removed} backup(s), freed ${formatBytes(r.freedBytes)}`]);
      }),
    );

  backups
    .command('usage')
    .description('how much space the backups take')
    .action(
      action(io, exit, async (ctx) => {
        const u = await withStore(ctx, (store) => store.backups.usage());
        printResult(ctx, u, () => [
          `${u.backups} backup(s) of ${u.files} file(s): ${formatBytes(u.bytes)} on disk, ${formatBytes(u.compressedBytes)} of it compressed`,
        ]);
      }),
    );
};
