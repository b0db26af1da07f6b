/**
 * Performance switches of the commit protocol, for benchmarks that compare both settings in one run. Each setting
 * keeps the protocol correct (the crash suite runs with the defaults); never needed outside benchmarks and tests.
 */
import { RIDE_MS } from '../journal/riding.js';
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
  /**
   * On a journal of the store's own, step 9's journal write rides on the next commit (default true: `journal/riding.ts`);
   * false: it is a commit of its own, awaited before the call resolves.
   */
  readonly rideFinish?: boolean;
  /** How long a write that rides waits for a commit to ride on, at most (ms; default `RIDE_MS`). */
  readonly rideWaitMs?: number;
}

/** The defaults. */
export const defaultTuning: Required<CommitTuning> = { overlappingSync: false, stageWithProtect: true, coalesceRetention: true, realpathPerDirectory: true, rideFinish: true, rideWaitMs: RIDE_MS };

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
