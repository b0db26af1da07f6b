/**
 * Group commit for after-commit work (backup retention): commits that land while a run is under way share the
 * next run, on the union of the paths they touched, instead of queueing one run each.
 */
import type { AfterCommitHook } from './context.js';

/**
 * Wraps `hook` so that at most one run is under way and at most one waits: a call arriving while one waits joins
 * it (its paths are added), and every caller of a run gets that run's outcome. Retention decides from the journal
 * and the policy alone, so one run over the union of paths ends where the separate runs would.
 * @throws whatever `hook` throws, to every caller that joined that run.
 */
export const coalesceAfterCommit = (hook: AfterCommitHook): AfterCommitHook => {
  let running: Promise<void> = Promise.resolve();
  let waiting: { readonly txId: string; readonly rels: Set<string>; readonly done: Promise<void> } | undefined;
  return (txId, rels) => {
    if (waiting !== undefined) {
      for (const r of rels) waiting.rels.add(r);
      return waiting.done;
    }
    const batch = new Set(rels);
    const run = (): Promise<void> => {
      waiting = undefined;
      return hook(txId, [...batch]);
    };
    const done = running.then(run, run);
    waiting = { txId, rels: batch, done };
    running = done.catch(() => undefined);
    return done;
  };
};
