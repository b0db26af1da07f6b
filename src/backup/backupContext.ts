/**
 * What every backup-store operation works with: the environment (disk, journal, clock, ids) and the backup directory.
 */
import type { Env } from '../env.js';

/** The environment of the backup store. */
export interface BackupContext {
  readonly env: Env;
  /** Absolute path of the backup directory; index records name files relative to it. */
  readonly backupDir: string;
}
