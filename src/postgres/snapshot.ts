/**
 * How a synchronous `transact` callback runs over a database it cannot await: against what this transaction has read
 * so far. A read of a key or prefix not read yet is a miss: it answers "absent" for now, the run goes on (so that one
 * round trip fetches every independent miss), and its result is thrown away; the misses are fetched — inside the same
 * database transaction, under the journal's writer lock, so every round sees one state — and the callback runs
 * again, until a run misses nothing: that run's writes are the transaction's. Pure: no I/O here.
 */
import type { JournalTxn } from '../journal/journal.js';
import { parseValue, serializeValue } from '../journal/envelope.js';
import { byKeyBytes, keyBytes } from './keys.js';

/** What a run read that the transaction had not fetched yet. */
export interface Misses {
  readonly keys: ReadonlySet<string>;
  readonly prefixes: ReadonlySet<string>;
}

/** One run of a callback: its misses, its writes (bytes; null: removed), and what it returned or threw. */
export interface Run<T> {
  readonly misses: Misses;
  readonly writes: ReadonlyMap<string, Buffer | null>;
  readonly outcome: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
}

/** True when a run read nothing the transaction had not fetched: its outcome stands. */
export const isComplete = (run: Run<unknown>): boolean => run.misses.keys.size === 0 && run.misses.prefixes.size === 0;

/** What one database transaction has read: stored bytes per key (null: absent), and the prefixes read whole. */
export class Snapshot {
  private readonly values = new Map<string, Buffer | null>();
  private readonly ranges = new Set<string>();

  /** Records a fetch: the rows found for `keys` and `prefixes` (any row under a fetched prefix may be among them). */
  learn(misses: Misses, rows: ReadonlyArray<{ key: string; value: Buffer }>): void {
    for (const k of misses.keys) if (!this.values.has(k)) this.values.set(k, null);
    for (const { key, value } of rows) this.values.set(key, value);
    for (const p of misses.prefixes) this.ranges.add(p);
  }

  private covers(key: string): boolean {
    for (const p of this.ranges) if (key.startsWith(p)) return true;
    return false;
  }

  /**
   * Runs `fn` once against what is known, under `base` (the writes of the callbacks before it in the same database
   * transaction), recording what it missed. Never throws: the outcome says.
   */
  run<T>(fn: (txn: JournalTxn) => T, base: ReadonlyMap<string, Buffer | null> = new Map()): Run<T> {
    const keys = new Set<string>();
    const prefixes = new Set<string>();
    const writes = new Map<string, Buffer | null>();
    const stored = (key: string): Buffer | null => {
      if (base.has(key)) return base.get(key) ?? null;
      const v = this.values.get(key);
      if (v !== undefined) return v;
      if (!this.covers(key)) keys.add(key);
      return null;
    };
    const txn: JournalTxn = {
      get: (key) => {
        const bytes = writes.has(key) ? (writes.get(key) ?? null) : stored(key);
        return bytes === null ? undefined : parseValue(key, bytes);
      },
      put: (key, value) => {
        keyBytes(key);
        writes.set(key, serializeValue(key, value));
      },
      remove: (key) => {
        writes.set(key, null);
      },
      range: (prefix, where) => {
        if (!this.covers(prefix)) prefixes.add(prefix);
        const merged = new Map<string, Buffer>();
        for (const [k, v] of this.values) if (v !== null && k.startsWith(prefix)) merged.set(k, v);
        for (const layer of [base, writes]) {
          for (const [k, v] of layer) {
            if (!k.startsWith(prefix)) continue;
            if (v === null) merged.delete(k);
            else merged.set(k, v);
          }
        }
        const keys = [...merged.keys()].filter((key) => where === undefined || where(key));
        return keys.sort(byKeyBytes).map((key) => ({ key, value: parseValue(key, merged.get(key) as Buffer) }));
      },
    };
    let outcome: Run<T>['outcome'];
    try {
      outcome = { ok: true, value: fn(txn) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    return { misses: { keys, prefixes }, writes, outcome };
  }
}
