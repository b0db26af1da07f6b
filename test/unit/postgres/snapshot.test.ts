/**
 * The snapshot a synchronous callback runs over (pure): fetching what each run missed and running again ends with the
 * result and writes the callback has over the whole journal, whatever it reads — dependent reads (a key named by
 * a value read before), prefixes, its own writes — and stacked on the writes of callbacks before it in a batch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JournalTxn } from '../../../src/journal/journal.js';
import { serializeValue } from '../../../src/journal/envelope.js';
import { byKeyBytes, prefixEnd } from '../../../src/postgres/keys.js';
import { Snapshot, isComplete } from '../../../src/postgres/snapshot.js';

type Op = { get: string } | { follow: string } | { range: string } | { put: string } | { remove: string };

const keyArb = fc.constantFrom('a', 'a/1', 'a/2', 'b', 'b/é', 'c', 'a/😀');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ get: keyArb }),
  fc.record({ follow: keyArb }),
  fc.record({ range: fc.constantFrom('', 'a', 'a/', 'b/', 'z') }),
  fc.record({ put: keyArb }),
  fc.record({ remove: keyArb }),
);

/** A callback built from ops: what it reads decides what it writes and, through `follow`, what it reads next. */
const program = (ops: readonly Op[]) => (txn: JournalTxn): unknown[] => {
  const seen: unknown[] = [];
  for (const op of ops) {
    if ('get' in op) seen.push(txn.get(op.get));
    else if ('follow' in op) {
      const v = txn.get(op.follow);
      seen.push(typeof v === 'string' ? txn.get(v) : v);
    } else if ('range' in op) seen.push(txn.range(op.range).map((e) => e.key));
    else if ('put' in op) txn.put(op.put, seen.length === 0 ? 'a' : JSON.stringify(seen.at(-1) ?? null).length % 2 === 0 ? 'b' : 'a/1');
    else txn.remove(op.remove);
  }
  return seen;
};

/** The same callback over a plain map, with read-your-writes: what the journal must amount to. */
const direct = (state: Map<string, unknown>, fn: (txn: JournalTxn) => unknown): { value: unknown; state: Map<string, unknown> } => {
  const next = new Map(state);
  const txn: JournalTxn = {
    get: (k) => next.get(k),
    put: (k, v) => void next.set(k, JSON.parse(JSON.stringify(v)) as unknown),
    remove: (k) => void next.delete(k),
    range: (p, where) => [...next.keys()].filter((k) => k.startsWith(p) && (where?.(k) ?? true)).sort(byKeyBytes).map((key) => ({ key, value: next.get(key) })),
  };
  return { value: fn(txn), state: next };
};

const fetchFrom = (state: ReadonlyMap<string, unknown>, misses: { keys: ReadonlySet<string>; prefixes: ReadonlySet<string> }) =>
  [...state.entries()]
    .filter(([k]) => misses.keys.has(k) || [...misses.prefixes].some((p) => k.startsWith(p)))
    .map(([key, v]) => ({ key, value: serializeValue(key, v) }));

describe('Snapshot', () => {
  it('ends, after fetching what each run missed, with the result and the writes of the callback over the whole journal', () => {
    const stateArb = fc.dictionary(keyArb, fc.oneof(keyArb, fc.integer(), fc.constant(null)), { maxKeys: 7 });
    fc.assert(
      fc.property(stateArb, fc.array(fc.array(opArb, { maxLength: 8 }), { minLength: 1, maxLength: 3 }), (init, programs) => {
        const stored = new Map<string, unknown>(Object.entries(init));
        const snapshot = new Snapshot();
        const fns = programs.map(program);
        let rounds = 0;
        for (;;) {
          // A batch: each callback over the writes of the ones before it.
          const base = new Map<string, Buffer | null>();
          const runs = fns.map((fn) => {
            const r = snapshot.run(fn, base);
            if (isComplete(r)) for (const [k, v] of r.writes) base.set(k, v);
            return r;
          });
          const incomplete = runs.filter((r) => !isComplete(r));
          if (incomplete.length === 0) {
            let model = stored;
            for (const [i, fn] of fns.entries()) {
              const d = direct(model, fn);
              expect(runs[i]?.outcome).toEqual({ ok: true, value: d.value });
              model = d.state;
            }
            const after = new Map(stored);
            for (const [k, v] of base) {
              if (v === null) after.delete(k);
              else after.set(k, JSON.parse(v.toString('utf8')) as unknown);
            }
            expect(Object.fromEntries(after)).toEqual(Object.fromEntries(model));
            return;
          }
          for (const r of incomplete) snapshot.learn(r.misses, fetchFrom(stored, r.misses));
          rounds++;
          expect(rounds).toBeLessThan(20);
        }
      }),
    );
  });

  it('keeps the outcome of a run that missed nothing, and marks every read of something not fetched as a miss', () => {
    const s = new Snapshot();
    const r = s.run((txn) => [txn.get('x'), txn.range('p/')]);
    expect(isComplete(r)).toBe(false);
    expect([...r.misses.keys]).toEqual(['x']);
    expect([...r.misses.prefixes]).toEqual(['p/']);
    s.learn(r.misses, [{ key: 'p/1', value: serializeValue('p/1', 1) }]);
    const again = s.run((txn) => [txn.get('x'), txn.range('p/'), txn.get('p/2')]);
    expect(isComplete(again)).toBe(true);
    expect(again.outcome).toEqual({ ok: true, value: [undefined, [{ key: 'p/1', value: 1 }], undefined] });
  });
});

describe('prefixEnd', () => {
  it('is the least byte string above every string with the prefix', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 4 }), (prefix, rest) => {
        const end = prefixEnd(Buffer.from(prefix));
        const inside = Buffer.concat([prefix, rest]);
        if (end === undefined) {
          expect(prefix.every((b) => b === 0xff)).toBe(true);
          return;
        }
        expect(Buffer.compare(inside, end)).toBeLessThan(0);
        expect(Buffer.compare(Buffer.from(prefix), end)).toBeLessThan(0);
        // Anything at or above the end does not start with the prefix.
        expect(Buffer.concat([end, rest]).subarray(0, prefix.length).equals(Buffer.from(prefix))).toBe(false);
      }),
    );
  });
});
