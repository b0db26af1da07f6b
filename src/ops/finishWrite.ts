/**
 * What writeFileAtomic does once the new file is in place.
 */
import { dirname } from 'node:path';
import type { FileSystem } from '../fs/fileSystem.js';
import { checksumFilePath } from '../integrity/sidecar.js';
import type { BackupEntry, WriteOptions } from '../types.js';
import { pruneSiblingBackups, type SiblingBackupPolicy } from './siblingBackup.js';
import type { StagedFile } from './stageFile.js';
import { syncDirBatched } from './syncDirBatched.js';
import { writeChecksumFile } from './writeChecksumFile.js';

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The warning of a write whose directory fsync failed after the rename (`why`: the error's message). */
export const dirSyncWarning = (dest: string, why: unknown): string =>
  `${dest} was written, but fsync of its directory failed (${typeof why === 'string' ? why : reason(why)}): the new content may not survive a power cut`;

/**
 * The steps after the rename of an atomic write — the directory fsync, the sidecar, pruning old backups — each tried
 * even when one before failed. The write is done by then, so a failure here is a warning (returned, naming the file
 * and what to expect), never the call's error.
 */
export const finishWrite = async (
  fs: FileSystem,
  placed: { readonly dest: string; readonly target: string; readonly staged: StagedFile },
  options: WriteOptions,
  backups: { readonly policy: SiblingBackupPolicy; readonly made: BackupEntry; readonly now: number } | undefined,
): Promise<string[]> => {
  const { dest, target, staged } = placed;
  const sync = options.fsync !== false;
  const warnings: string[] = [];
  const attempt = async (step: () => Promise<unknown>, say: (why: string) => string): Promise<void> => {
    try {
      await step();
    } catch (e) {
      warnings.push(say(reason(e)));
    }
  };
  if (sync) await attempt(() => syncDirBatched(fs, dirname(dest)), (why) => dirSyncWarning(dest, why));
  if (options.checksumFile === true) {
    const sidecar = checksumFilePath(dest);
    await attempt(() => writeChecksumFile(fs, dest, staged.sha256, { sync }), (why) => `the sidecar ${sidecar} was not updated (${why}); it still describes the previous content of ${dest}`);
  }
  if (backups !== undefined) {
    await attempt(async () => {
      const { failed } = await pruneSiblingBackups(fs, target, backups.policy, backups.now, backups.made.id);
      for (const f of failed) warnings.push(`the old backup ${f.file} of ${target} could not be removed (${reason(f.error)}); it stays`);
    }, (why) => `old backups of ${target} were not pruned (${why})`);
  }
  return warnings;
};
