/**
 * Group commit for after-commit work (backup retention): commits that land while a run is under way share the
 * next run, on the union of the paths they touched, instead of queueing one run each.
 */
import type { BackupPolicy } from '../types.js';
import type { AfterCommitHook } from './context.js';

/**
 * Wraps `hook` so that at most one run is under way and at most one waits: a call arriving while one waits joins
 * it (its paths are added), and every caller of a run gets that run's outcome. Retention decides from the journal
 * and the policy alone, so one run over the union of paths ends where the separate runs would.
 * @throws whatever `hook` throws, to every caller that joined that run.
 */
export const coalesceAfterCommit = (hook: AfterCommitHook): AfterCommitHook => {
  let running: Promise<void> = Promise.resolve();
  let waiting: { readonly txId: string; readonly rels: Set<string>; readonly policies: Map<string, BackupPolicy>; readonly done: Promise<void> } | undefined;
  return (txId, rels, policies) => {
    if (waiting !== undefined) {
      for (const r of rels) waiting.rels.add(r);
      // A later call's policy for a path is the one that stands.
      for (const [r, p] of policies ?? []) waiting.policies.set(r, p);
      return waiting.done;
    }
    const batch = new Set(rels);
    const given = new Map(policies ?? []);
    const run = (): Promise<void> => {
      waiting = undefined;
      return given.size === 0 ? hook(txId, [...batch]) : hook(txId, [...batch], given);
    };
    const done = running.then(run, run);
    waiting = { txId, rels: batch, policies: given, done };
    running = done.catch(() => undefined);
    return done;
  };
};
