/**
 * Performance switches of the commit protocol, for benchmarks that compare both settings in one run. Each setting
 * keeps the protocol correct (the crash suite runs with the defaults); never needed outside benchmarks and tests.
 */
import { protectOps, stageOps } from './stage.js';
import type { CommitSteps } from './steps.js';

/** How a store's commits spend their round trips. Every field defaults to the setting measured best. */
export interface CommitTuning {
  /**
   * The LMDB journal's `overlappingSync` (default false: see `lmdb.ts`). True is also correct — the protocol awaits
   * `flush()` wherever it needs durability (intent, commit point) — but measured no faster.
   */
  readonly overlappingSync?: boolean;
  /** Step 3 (stage) and step 4 (protect) run at the same time (default true); false: one after the other. */
  readonly stageWithProtect?: boolean;
  /** Commits that land while backup retention runs share its next run (default true); false: one run per commit. */
  readonly coalesceRetention?: boolean;
  /**
   * Paths of one directory noted together share one realpath of the directory, each path's own lstat telling whether
   * it is a symbolic link (default true); false: one realpath per path. Equally strict either way.
   */
  readonly realpathPerDirectory?: boolean;
}

/** The defaults. */
export const defaultTuning: Required<CommitTuning> = { overlappingSync: false, stageWithProtect: true, coalesceRetention: true, realpathPerDirectory: true };

/** The step table `tuning` asks for: with `stageWithProtect: false`, step 3 also takes the backups and step 4 is empty. */
export const tunedSteps = (steps: CommitSteps, tuning: CommitTuning): CommitSteps =>
  (tuning.stageWithProtect ?? defaultTuning.stageWithProtect)
    ? steps
    : {
        ...steps,
        stage: async (ctx, ops, signal) => {
          await stageOps(ctx, ops, signal, { sync: true });
          await protectOps(ctx, ops);
        },
        protect: async () => undefined,
      };
