/**
 * Durability 'atomic' (API.md "Durability", SQLite's `synchronous=NORMAL`): a transaction's step 8 (the renames'
 * directories fsynced) and step 9 (its journal record finished, its locks released) run after `commit()` resolved.
 * Until they have run the record stays `committing` — durable since step 6 — so a power cut leaves it to recovery,
 * which rolls it wholly forward, or wholly back when a rename was lost. Every later commit point waits for them, so
 * the transactions that survive a power cut are always the earlier ones: the ones lost are the most recent.
 */

/** The transactions whose steps 8 and 9 are still to run. */
export interface Deferrals {
  /**
   * Each rest starts as soon as it is queued (a store on its own journal). Otherwise a rest runs only when someone
   * settles, inside a later call of the same store: its transaction then counts as running no longer than its call.
   */
  readonly inBackground: boolean;
  /** Queues the rest of transaction `txId`, which holds the locks of `paths`. */
  readonly add: (txId: string, paths: readonly string[], rest: () => Promise<void>) => void;
  /**
   * Runs `next` once transaction `txId`'s rest has run (its after-commit housekeeping: retention sees its backup
   * indexed); false when `txId` is not queued (any more): then it is the caller's to run.
   */
  readonly after: (txId: string, next: () => Promise<void>) => boolean;
  /** True when a queued transaction holds the lock of one of `paths`. */
  readonly touches: (paths: readonly string[]) => boolean;
  /** Resolves once every queued transaction's rest has run (rejects with the first failure the rests did not handle). */
  readonly settle: () => Promise<void>;
}

/** One queued transaction. */
interface Queued {
  readonly paths: ReadonlySet<string>;
  /** Started (in the background) or still to start (inline). */
  running: Promise<void> | undefined;
  readonly rest: () => Promise<void>;
  /** Run after `rest`, in order; they handle their own failures. Undefined once they have been taken. */
  nexts: Array<() => Promise<void>> | undefined;
}

/**
 * A queue of deferred transactions. `inBackground`: each rest starts as soon as it is queued (a store on its own
 * journal); otherwise it runs when someone settles (a simulated world: deterministic, and a crash can fall between
 * a resolved commit and its directory fsyncs).
 */
export const createDeferrals = ({ inBackground }: { readonly inBackground: boolean }): Deferrals => {
  const queued = new Map<string, Queued>();
  const start = (txId: string, q: Queued): Promise<void> => {
    const run = async (): Promise<void> => {
      try {
        await q.rest();
      } finally {
        const nexts = q.nexts ?? [];
        q.nexts = undefined;
        if (queued.get(txId) === q) queued.delete(txId);
        for (const next of nexts) await next();
      }
    };
    q.running ??= run();
    return q.running;
  };
  return {
    inBackground,
    add: (txId, paths, rest) => {
      const q: Queued = { paths: new Set(paths), running: undefined, rest, nexts: [] };
      queued.set(txId, q);
      if (inBackground) void start(txId, q).catch(() => undefined);
    },
    after: (txId, next) => {
      const nexts = queued.get(txId)?.nexts;
      if (nexts === undefined) return false;
      nexts.push(next);
      return true;
    },
    touches: (paths) => [...queued.values()].some((q) => paths.some((p) => q.paths.has(p))),
    settle: async () => {
      while (queued.size > 0) await Promise.all([...queued.entries()].map(([id, q]) => start(id, q)));
    },
  };
};
