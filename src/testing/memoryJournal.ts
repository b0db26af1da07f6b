/**
 * The crash world's `Journal`: an in-memory key-value store standing in for the LMDB journal (`journal/lmdb.ts`).
 * A commit (`transact`, `put`, `remove`) is visible at once. This state keeps the flushed map and, in order, every
 * commit made since the last `flush()`; which of those a crash keeps is the world's choice (`crashWorld.ts`,
 * `journalDurability`): all of them by default — LMDB as a store opens it (`overlappingSync: false`: every commit is
 * fsynced before it resolves) — or, as lmdb-js's `overlappingSync: true` would, only a prefix of them (none, some, all).
 * What differs from LMDB, and why it only adds crash states:
 * - a commit runs its callback at the call, alone; lmdb-js queues the writes of one event turn and commits them
 *   together, so a crash between two such commits (here a state of its own) cannot happen there;
 * - a commit here is complete when its call is counted; LMDB's may be in flight when the power goes — that state is
 *   the crash point just before the call (commit lost) or just after it (commit kept), both of which are explored.
 */
import { TxfsError } from '../errors.js';
import { parseValue, serializeValue } from '../journal/envelope.js';
import { MAX_KEY_BYTES, type Journal, type JournalTxn } from '../journal/journal.js';
import { ambiguous } from '../postgres/pgErrors.js';
import { Snapshot, isComplete } from '../postgres/snapshot.js';

/** One committed journal transaction: keys set (to a value) or removed (undefined). */
export interface Commit {
  readonly writes: ReadonlyMap<string, unknown>;
}

/** What a crash of the journal can leave: the flushed state and the commits after it, in order. */
export interface JournalImage {
  readonly durable: ReadonlyMap<string, unknown>;
  readonly unflushed: readonly Commit[];
}

/** The gate the world lends the journal (shared call counter, trace, crash cut-off). */
export interface JournalGate {
  /** Counts and records the call (or throws CrashError); returns the trace record, whose keys the journal fills in. */
  enter(kind: string, path: string): { keys?: readonly string[]; writes?: ReadonlyMap<string, unknown> };
  /** True when the answer of the commit just made is lost (`CrashWorld.loseCommitAnswer`): it landed, its call rejects. */
  loseAnswer?(): boolean;
}

/**
 * Whose semantics the journal has. 'local': LMDB's (a callback runs once, inside the writer's transaction). 'remote':
 * the PostgreSQL journal's (`txfs/postgres`): a callback runs against what its transaction has read so far — reads not
 * made yet answer "absent" — and again once those are fetched, until a run misses nothing; only that run's writes
 * and result count. A commit whose answer was lost (`loseCommitAnswer`) lands and rejects with the same EJOURNAL.
 */
export type JournalSemantics = 'local' | 'remote';

/** Runs `fn` as the PostgreSQL journal does (`postgres/snapshot.ts`), over `live`; its writes go into `writes`. */
const runRemote = <T>(fn: (txn: JournalTxn) => T, live: ReadonlyMap<string, unknown>, writes: Map<string, unknown>): T => {
  const snapshot = new Snapshot();
  for (let round = 0; round < 64; round++) {
    const run = snapshot.run(fn);
    if (isComplete(run)) {
      if (!run.outcome.ok) throw run.outcome.error;
      for (const [k, v] of run.writes) writes.set(k, v === null ? undefined : freeze(parseValue(k, v)));
      return run.outcome.value;
    }
    const rows = [...live.entries()]
      .filter(([k]) => run.misses.keys.has(k) || [...run.misses.prefixes].some((p) => k.startsWith(p)))
      .map(([key, v]) => ({ key, value: serializeValue(key, v) }));
    snapshot.learn(run.misses, rows);
  }
  throw new TxfsError('EJOURNAL', 'EJOURNAL: a journal transaction kept reading keys it had not read before (64 rounds)');
};

const freeze = (value: unknown): unknown => {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) freeze(v);
    Object.freeze(value);
  }
  return value;
};

/** Stored values are JSON copies, frozen: handed out without copying, and never changed behind the store's back. */
const copyIn = (key: string, value: unknown): unknown => {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`journal value for "${key}" is not JSON-compatible`);
  return freeze(JSON.parse(text));
};

/** LMDB's key order: by UTF-8 bytes (code points), which differs from JavaScript's UTF-16 order above U+FFFF. */
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const inRange = (entries: ReadonlyMap<string, unknown>, prefix: string, where?: (key: string) => boolean): Array<{ key: string; value: unknown }> =>
  [...entries.keys()]
    .filter((k) => k.startsWith(prefix) && (where === undefined || where(k)))
    .sort(byUtf8)
    .map((key) => ({ key, value: entries.get(key) }));

/** The journal state behind a world's `Journal`. */
export class JournalState {
  live: Map<string, unknown>;
  durable: ReadonlyMap<string, unknown>;
  unflushed: Commit[] = [];

  constructor(initial: ReadonlyMap<string, unknown> = new Map()) {
    this.live = new Map(initial);
    this.durable = initial;
  }

  commit(writes: ReadonlyMap<string, unknown>): void {
    if (writes.size === 0) return;
    for (const [k, v] of writes) {
      if (v === undefined) this.live.delete(k);
      else this.live.set(k, v);
    }
    this.unflushed = [...this.unflushed, { writes }];
  }

  flush(): void {
    if (this.unflushed.length === 0) return;
    const next = new Map(this.durable);
    for (const c of this.unflushed) {
      for (const [k, v] of c.writes) {
        if (v === undefined) next.delete(k);
        else next.set(k, v);
      }
    }
    this.durable = next;
    this.unflushed = [];
  }

  freeze(): JournalImage {
    return { durable: this.durable, unflushed: this.unflushed };
  }

  /** The journal a reboot finds: the flushed state plus the first `keep` unflushed commits. */
  static surviving(image: JournalImage, keep: number): JournalState {
    const state = new JournalState(image.durable);
    for (const c of image.unflushed.slice(0, keep)) state.commit(c.writes);
    state.flush();
    return state;
  }

  entries(prefix = ''): Array<{ key: string; value: unknown }> {
    return inRange(this.live, prefix);
  }
}

/**
 * Makes the `Journal` of one world over `state`. Values are copied in (as a real store serialises them) and handed out
 * frozen: what is read can never change what is stored. Once closed, every call rejects with EJOURNAL, as LMDB's.
 */
export const memoryJournal = (state: JournalState, gate: JournalGate, semantics: JournalSemantics = 'local'): Journal => {
  let closed = false;
  const open = (): void => {
    if (closed) throw new TxfsError('EJOURNAL', 'EJOURNAL: the journal of this crash world is closed');
  };
  const transact = <T>(fn: (txn: JournalTxn) => T, record: { keys?: readonly string[]; writes?: ReadonlyMap<string, unknown> }): T => {
    const writes = new Map<string, unknown>();
    const view = (key: string): unknown => (writes.has(key) ? writes.get(key) : state.live.get(key));
    const txn: JournalTxn = {
      get: (key) => view(key),
      put: (key, value) => {
        if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
          throw new TxfsError('ENAMETOOLONG', `ENAMETOOLONG: journal key longer than ${MAX_KEY_BYTES} bytes: ${key.slice(0, 80)}…`, { key });
        }
        writes.set(key, copyIn(key, value));
      },
      remove: (key) => {
        writes.set(key, undefined);
      },
      range: (prefix, where) => {
        const merged = new Map<string, unknown>();
        for (const [k, v] of state.live) if (k.startsWith(prefix)) merged.set(k, v);
        for (const [k, v] of writes) {
          if (!k.startsWith(prefix)) continue;
          if (v === undefined) merged.delete(k);
          else merged.set(k, v);
        }
        return inRange(merged, prefix, where);
      },
    };
    const result = semantics === 'remote' ? runRemote(fn, state.live, writes) : fn(txn);
    state.commit(writes);
    record.keys = [...writes.keys()];
    record.writes = writes;
    if (writes.size > 0 && gate.loseAnswer?.() === true) throw ambiguous("the crash world's journal", new Error('connection lost as the COMMIT went'));
    return result;
  };
  return {
    get: async (key) => {
      open();
      gate.enter('journal.get', key);
      return state.live.get(key);
    },
    range: async (prefix) => {
      open();
      gate.enter('journal.range', prefix);
      return inRange(state.live, prefix);
    },
    transact: async (fn) => {
      open();
      return transact(fn, gate.enter('journal.transact', 'journal'));
    },
    put: async (key, value) => {
      open();
      transact((txn) => txn.put(key, value), gate.enter('journal.put', key));
    },
    remove: async (key) => {
      open();
      transact((txn) => txn.remove(key), gate.enter('journal.remove', key));
    },
    flush: async () => {
      open();
      gate.enter('journal.flush', 'journal');
      state.flush();
    },
    close: async () => {
      if (closed) return;
      gate.enter('journal.close', 'journal');
      closed = true;
    },
  };
};
