/**
 * The rest of a transaction that runs after `commit()` resolved.
 *
 * Durability 'atomic' (API.md "Durability", SQLite's `synchronous=NORMAL`): a transaction's step 8 (the renames'
 * directories fsynced) and step 9 (its journal record finished, its locks released) run after `commit()` resolved.
 * Until they have run the record stays `committing` — durable since step 6 — so a power cut leaves it to recovery,
 * which rolls it wholly forward, or wholly back when a rename was lost. Every later commit point waits for them, so
 * the transactions that survive a power cut are always the earlier ones: the ones lost are the most recent.
 *
 * On a journal of the store's own, in every mode: step 9, whose journal write rides on the next commit
 * (`journal/riding.ts`). Recovery redoes it when it is lost; a later call on one of its paths waits for it. Under
 * 'atomic' the rest hands its step 9 over to ride once step 8 is done (`handOver`): a later commit point waits for the
 * step 8 of every earlier transaction (`settleDurable`), and their step 9 rides on it, in the same commit.
 */

import type { ManifestEntry } from '../journal/records/txRecord.js';

/** The transactions whose steps 8 and 9 are still to run. */
export interface Deferrals {
  /**
   * Each rest starts as soon as it is queued (a store on its own journal). Otherwise a rest runs only when someone
   * settles, inside a later call of the same store: its transaction then counts as running no longer than its call.
   */
  readonly inBackground: boolean;
  /**
   * Queues the rest of transaction `txId`, which holds the locks of `paths`. `finishing`: the rest is step 9 alone,
   * and has handed its journal write over to ride on the next commit by the time `add` returns — that write releases
   * the locks before any journal write asked for later takes one, so nobody waits for it to take a lock
   * (`settleLocks`); what it writes to the manifest, path by path, is `finishing` (`manifestOf`).
   */
  readonly add: (txId: string, paths: readonly string[], rest: (handOver: HandOver) => Promise<void>, finishing?: ReadonlyMap<string, ManifestEntry | undefined>) => void;
  /**
   * The manifest entry of `rel` as the newest queued finishing transaction that writes it will leave it (`entry`
   * undefined: removed); undefined when none does (the journal's entry is then current as far as they go).
   */
  readonly manifestOf: (rel: string) => { readonly entry: ManifestEntry | undefined } | undefined;
  /**
   * Runs `next` once transaction `txId`'s rest has run (its after-commit housekeeping: retention sees its backup
   * indexed); false when `txId` is not queued (any more): then it is the caller's to run.
   */
  readonly after: (txId: string, next: () => Promise<void>) => boolean;
  /** True when a queued transaction holds the lock of one of `paths`. */
  readonly touches: (paths: readonly string[]) => boolean;
  /**
   * Resolves once no queued transaction holds the lock of one of `paths` (of any path, without `paths`): their rests
   * have run (what runs after them, `after`, may still be running). Rejects with the first failure those rests did not
   * handle.
   */
  readonly settleRests: (paths?: readonly string[]) => Promise<void>;
  /**
   * Resolves once no queued transaction would still hold one of the locks of `paths` when a journal write asked for now
   * runs: each has run its rest, or is finishing (see `add`; handed over, `HandOver`), its release riding before that
   * write. Held journal writes are not issued meanwhile, so that they ride on that write.
   */
  readonly settleLocks: (paths: readonly string[]) => Promise<void>;
  /**
   * Resolves once every queued transaction has either run its rest or handed its step 9 over to ride (`HandOver`):
   * every step 8 queued before is done. Unlike the other waits it does not issue held journal writes at once, so that
   * the handed-over ones ride on the caller's next journal write.
   */
  readonly settleDurable: () => Promise<void>;
  /**
   * Resolves once every queued transaction's rest has run, and what runs after it (`after`); rejects with the first
   * failure they did not handle.
   */
  readonly settle: () => Promise<void>;
}

/**
 * Called by a rest, in the turn its step 9's journal write was handed over to ride on the next commit (its step 8
 * done): from then on it is a finishing transaction (see `Deferrals.add`), `finishing` what it writes to the manifest.
 */
export type HandOver = (finishing: ReadonlyMap<string, ManifestEntry | undefined>) => void;

/** One queued transaction. */
interface Queued {
  readonly paths: ReadonlySet<string>;
  /** Started (in the background) or still to start (inline): the rest, then what runs after it. */
  running: Promise<void> | undefined;
  /** The rest alone, once started. */
  restRun: Promise<void> | undefined;
  /** Step 9 alone, its journal write riding: what it writes to the manifest (see `Deferrals.add`, `HandOver`). */
  finishing: ReadonlyMap<string, ManifestEntry | undefined> | undefined;
  /** Settles once the rest has handed its step 9 over (`HandOver`); never for a rest that does not (wait for `restRun` too). */
  readonly handed: Promise<void>;
  readonly handOver: HandOver;
  readonly rest: (handOver: HandOver) => Promise<void>;
  /** Run after `rest`, in order; they handle their own failures. Undefined once they have been taken. */
  nexts: Array<() => Promise<void>> | undefined;
}

/**
 * A queue of deferred transactions. `inBackground`: each rest starts as soon as it is queued (a store on its own
 * journal); otherwise it runs when someone settles (a simulated world: deterministic, and a crash can fall between
 * a resolved commit and its directory fsyncs).
 */
export const createDeferrals = ({
  inBackground,
  draining = (wait) => wait(),
}: {
  readonly inBackground: boolean;
  /** Runs a wait for the rests, so that what they hold back for a later commit goes now (`RidingJournal.draining`). */
  readonly draining?: (wait: () => Promise<void>) => Promise<void>;
}): Deferrals => {
  const queued = new Map<string, Queued>();
  /** Started and not yet through what runs after its rest (a queued entry goes once its rest has run). */
  const active = new Set<Promise<void>>();
  const start = (txId: string, q: Queued): Promise<void> => {
    if (q.running !== undefined) return q.running;
    const rest = q.rest(q.handOver);
    q.restRun = rest;
    const run = async (): Promise<void> => {
      try {
        await rest;
      } finally {
        const nexts = q.nexts ?? [];
        q.nexts = undefined;
        if (queued.get(txId) === q) queued.delete(txId);
        for (const next of nexts) await next();
      }
    };
    const running = run();
    q.running = running;
    active.add(running);
    // Whoever waits for it sees its failure (`settle`, `settleRests`); nobody else has to.
    running.catch(() => undefined).finally(() => active.delete(running));
    return running;
  };
  const touching = (paths?: readonly string[]): Array<[string, Queued]> =>
    [...queued.entries()].filter(([, q]) => paths === undefined || paths.some((p) => q.paths.has(p)));
  /** Until none of `of()` is left: each started, and waited for until `until` of it has settled. */
  const waitFor = async (of: () => Array<[string, Queued]>, until: (q: Queued) => Promise<void> | undefined): Promise<void> => {
    for (let qs = of(); qs.length > 0; qs = of()) {
      await Promise.all(qs.map(([id, q]) => {
        void start(id, q);
        return until(q) ?? Promise.resolve();
      }));
    }
  };
  /**
   * Until every queued transaction on `paths` (on any path, without `paths`) has run its rest or handed its step 9 over
   * (`HandOver`). Held journal writes are not issued meanwhile: the ones handed over ride on the caller's next write.
   */
  const untilHanded = (paths?: readonly string[]): Promise<void> =>
    waitFor(() => touching(paths).filter(([, q]) => q.finishing === undefined), (q) => (q.restRun === undefined ? undefined : Promise.race([q.restRun, q.handed])));
  const waitForRests = (of: () => Array<[string, Queued]>): Promise<void> =>
    of().length === 0
      ? Promise.resolve()
      : draining(() => waitFor(of, (q) => q.restRun));
  return {
    inBackground,
    add: (txId, paths, rest, finishing) => {
      let handed!: () => void;
      const q: Queued = {
        paths: new Set(paths),
        running: undefined,
        restRun: undefined,
        finishing,
        handed: new Promise<void>((resolve) => (handed = resolve)),
        handOver: (writes) => {
          q.finishing = writes;
          handed();
        },
        rest,
        nexts: [],
      };
      queued.set(txId, q);
      if (inBackground) void start(txId, q);
    },
    after: (txId, next) => {
      const nexts = queued.get(txId)?.nexts;
      if (nexts === undefined) return false;
      nexts.push(next);
      return true;
    },
    touches: (paths) => touching(paths).length > 0,
    manifestOf: (rel) => {
      let found: { readonly entry: ManifestEntry | undefined } | undefined;
      // In the order they were queued: the newest one that writes `rel` has the last word.
      for (const q of queued.values()) if (q.finishing?.has(rel) === true) found = { entry: q.finishing.get(rel) };
      return found;
    },
    settleRests: (paths) => waitForRests(() => touching(paths)),
    settleLocks: (paths) => untilHanded(paths),
    settleDurable: () => untilHanded(),
    settle: async () => {
      if (queued.size === 0 && active.size === 0) return;
      await draining(async () => {
        while (queued.size > 0 || active.size > 0) await Promise.all([...[...queued.entries()].map(([id, q]) => start(id, q)), ...active]);
      });
    },
  };
};
