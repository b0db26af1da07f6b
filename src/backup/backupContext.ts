/**
 * What every backup-store operation works with: the environment (disk, journal, clock, ids) and the backup directory.
 */
import type { Env } from '../env.js';

/** The environment of the backup store. */
export interface BackupContext {
  /** The backup store needs no process table: it takes no locks. */
  readonly env: Omit<Env, 'processes'>;
  /** Absolute path of the backup directory; index records name files relative to it. */
  readonly backupDir: string;
}
