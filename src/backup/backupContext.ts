/**
 * What every backup-store operation works with: the environment (disk, journal, clock, ids) and the backup directory.
 */
import type { Env } from '../env.js';
import type { RidingJournal } from '../journal/riding.js';

/** The environment of the backup store. */
export interface BackupContext {
  /** The backup store needs no process table: it takes no locks. */
  readonly env: Omit<Env, 'processes'>;
  /** Absolute path of the backup directory; index records name files relative to it. */
  readonly backupDir: string;
  /**
   * On a journal of the store's own: its `ride` (`journal/riding.ts`), for journal writes that need no commit of their
   * own: a pending removal's record dropped once its file is gone (no flush at all), and the swap of a backup's index
   * entry for that record (flushed once its commit has come; the file is unlinked only then). Absent: they are
   * commits of their own.
   */
  readonly ride?: RidingJournal['ride'];
}
