/**
 * The pick list of `txfs backups restore <file>` without `--backup`: one line per backup (time, size,
 * transaction), then a confirmation.
 */
import type { BackupEntry } from '../types.js';
import type { Choice, Colors, Prompter } from './cliIo.js';
import { formatBytes, formatTime, shortSha } from './format.js';

/** What the pick list needs. */
export interface RestorePickDeps {
  readonly prompter: Prompter;
  readonly colors: Colors;
  /** The file, relative to the root, as the user named it. */
  readonly path: string;
  /** Its backups, newest first. */
  readonly backups: readonly BackupEntry[];
}

/** One line of the pick list for a backup. Never throws. */
export const backupLabel = (b: BackupEntry): string =>
  `${formatTime(b.createdAt)}  ${formatBytes(b.size).padStart(10)}  tx ${b.txId ?? '-'}${b.compressed ? '  (gzip)' : ''}` +
  `${b.current === true ? '  (the current version)' : ''}${b.damaged === true ? '  (damaged: not what txfs wrote)' : ''}`;

/**
 * Asks which backup of the file to restore, then asks for confirmation. Resolves with the chosen backup, or
 * `undefined` when the person chose Cancel or declined; rejects when the prompt itself is cancelled (Ctrl-C).
 */
export const askForBackup = async (deps: RestorePickDeps): Promise<BackupEntry | undefined> => {
  const choices: Array<Choice<string>> = deps.backups.map((b) => ({
    name: backupLabel(b),
    value: b.id,
    description: `backup ${b.id}, sha256 ${shortSha(b.sha256)}`,
  }));
  choices.push({ name: 'Cancel', value: '', description: 'restore nothing' });
  const id = await deps.prompter.select(`Which version of ${deps.path} should be restored?`, choices);
  const chosen = deps.backups.find((b) => b.id === id);
  if (chosen === undefined) return undefined;
  const ok = await deps.prompter.confirm(
    `Restore ${deps.path} from the backup of ${formatTime(chosen.createdAt)}? The current file is backed up first.`,
    true,
  );
  return ok ? chosen : undefined;
};
