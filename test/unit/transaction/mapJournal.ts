/**
 * A Map-based Journal for unit tests, that records what it is asked (puts with the record's state, flushes) in a shared event log.
 */
import type { Journal, JournalTxn } from '../../../src/journal/journal.js';
import { decodeTx } from '../../../src/journal/records/txRecord.js';

/** The state of a transaction record as the store decodes it; undefined for a value that is no record (a test's damage). */
const stateOf = (key: string, raw: unknown): string | undefined => {
  try {
    return decodeTx(key, raw).state;
  } catch {
    return undefined;
  }
};

/** A journal over a Map, logging 'transact', 'flush' and each put key into `events`. */
export const mapJournal = (events: string[] = [], data = new Map<string, unknown>()): Journal & { readonly data: Map<string, unknown> } => {
  const sorted = (prefix: string): Array<{ key: string; value: unknown }> =>
    [...data.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => ({ key, value }));
  const transact = async <T>(fn: (txn: JournalTxn) => T): Promise<T> => {
    const staged = new Map(data);
    const removed = new Set<string>();
    const txn: JournalTxn = {
      get: (k) => staged.get(k),
      put: (k, v) => {
        staged.set(k, v);
        removed.delete(k);
        const state = k.startsWith('tx/') ? stateOf(k, v) : undefined;
        events.push(state === undefined ? `journal:put:${k.split('/')[0] ?? ''}` : `journal:${state}`);
      },
      remove: (k) => {
        staged.delete(k);
        removed.add(k);
      },
      range: (prefix, where) => [...staged.entries()].filter(([k]) => k.startsWith(prefix) && (where?.(k) ?? true)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value })),
    };
    const out = fn(txn);
    data.clear();
    for (const [k, v] of staged) data.set(k, v);
    return out;
  };
  return {
    data,
    get: async (k) => data.get(k),
    range: async (p) => sorted(p),
    transact,
    put: (k, v) => transact((t) => t.put(k, v)),
    remove: (k) => transact((t) => t.remove(k)),
    // A flush that takes a while, so that a step that does not await it shows up before 'journal:flushed'.
    flush: async () => {
      events.push('journal:flush');
      await new Promise((r) => setTimeout(r, 5));
      events.push('journal:flushed');
    },
    close: async () => undefined,
  };
};
