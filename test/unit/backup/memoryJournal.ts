/**
 * A minimal in-memory Journal for the backup tests: values are cloned on the way in and out,
 * as a real journal serialises them; `failNextTransact` makes the next transaction reject.
 */
import type { Journal, JournalTxn } from '../../../src/journal/journal.js';

export interface MemoryJournal extends Journal {
  readonly data: Map<string, unknown>;
  failNextTransact(error: Error): void;
}

export const createMemoryJournal = (): MemoryJournal => {
  const data = new Map<string, unknown>();
  let failure: Error | undefined;
  const range = (prefix: string): Array<{ key: string; value: unknown }> =>
    [...data.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((key) => ({ key, value: structuredClone(data.get(key)) }));
  return {
    data,
    failNextTransact: (e) => {
      failure = e;
    },
    get: async (key) => structuredClone(data.get(key)),
    range: async (prefix) => range(prefix),
    transact: async <T>(fn: (txn: JournalTxn) => T): Promise<T> => {
      if (failure !== undefined) {
        const e = failure;
        failure = undefined;
        throw e;
      }
      const writes = new Map<string, unknown>();
      const removed = new Set<string>();
      const txn: JournalTxn = {
        get: (key) => (removed.has(key) ? undefined : structuredClone(writes.has(key) ? writes.get(key) : data.get(key))),
        put: (key, value) => {
          removed.delete(key);
          writes.set(key, structuredClone(value));
        },
        remove: (key) => {
          writes.delete(key);
          removed.add(key);
        },
        range: (prefix, where) => {
          const keys = new Set([...data.keys(), ...writes.keys()].filter((k) => k.startsWith(prefix) && !removed.has(k) && (where?.(k) ?? true)));
          return [...keys].sort().map((key) => ({ key, value: structuredClone(writes.has(key) ? writes.get(key) : data.get(key)) }));
        },
      };
      const result = fn(txn);
      for (const k of removed) data.delete(k);
      for (const [k, v] of writes) data.set(k, v);
      return result;
    },
    put: async (key, value) => {
      data.set(key, structuredClone(value));
    },
    remove: async (key) => {
      data.delete(key);
    },
    flush: async () => undefined,
    close: async () => undefined,
  };
};
