/**
 * The behaviour every Journal must have, as one suite: `describeJournal(name, make, options)` runs it against a backend
 * (LMDB on a real temp dir, the crash world's in-memory journal, …). Get/put/remove of JSON values, prefix ranges in
 * key order, atomic and serialisable transactions with read-your-writes, commit order, durability of flushed writes
 * across a reopen, and the closed journal. Where the backends differ today, each states its behaviour in
 * `JournalContractOptions`, and the suite checks exactly what it states. One file for the whole interface (as
 * `fileSystem.ts`), so that a backend is wired with one call: hence its length.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TxfsError } from '../../src/errors.js';
import type { Journal, JournalTxn } from '../../src/journal/journal.js';

/** A backend under test: an open, empty journal, and how to get it back after a restart. */
export interface JournalFixture {
  readonly journal: Journal;
  /**
   * The journal a restart finds (LMDB: close and open the same directory; crash world: the world after a crash).
   * It holds at least every write flushed before the call; later calls continue from the journal it returned.
   */
  readonly reopen: () => Promise<Journal>;
  readonly cleanup?: () => Promise<void>;
}

/** What a backend states about the behaviours in which backends differ. */
export interface JournalContractOptions {
  /** The longest key in UTF-8 bytes, a longer one rejected with ENAMETOOLONG; undefined: no limit (3000 bytes work). */
  readonly maxKeyBytes: number | undefined;
  /** Runs of each property (default 100). */
  readonly numRuns?: number;
  /** Why the backend cannot run here (a missing server): the suite is skipped with the reason in its title. */
  readonly skip?: string | undefined;
}

type Entry = { key: string; value: unknown };

const codepointOrder = (a: string, b: string): number => {
  const x = [...a].map((c) => c.codePointAt(0) ?? 0);
  const y = [...b].map((c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return x.length - y.length;
};

/** What a JSON store gives back for `v`. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/** Runs `f` and returns what it rejects with (failing the test when it resolves). */
const rejection = async (f: () => Promise<unknown>): Promise<unknown> => {
  const r = await f().then(
    () => ({ resolved: true as const }),
    (e: unknown) => ({ resolved: false as const, e }),
  );
  expect(r.resolved, 'expected a rejection').toBe(false);
  return r.resolved ? undefined : r.e;
};

const VALUES: readonly unknown[] = [
  { tx: { id: 'T1', files: [{ path: 'a/b.txt', sha: 'ab12', size: 3 }], nested: { deeper: { deepest: [[], {}, [1, [2, [3]]]] } } } },
  ['é', '日本語', '😀', `x${String.fromCharCode(0xd800)}y` /* a lone surrogate */, '\u0000', '\uFFFF', 'line\nbreak\t"quoted"\\'],
  [0, -1, 1.5, -2.25e-10, 1e300, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
  'a plain string',
  '',
  42,
  0,
  false,
  true,
  null,
  [],
  {},
];

/** Registers the conformance suite for the backend `make` builds (a fresh, empty one per test). */
export const describeJournal = (name: string, make: () => Promise<JournalFixture>, options: JournalContractOptions): void => {
  const order = codepointOrder;
  const numRuns = options.numRuns ?? 100;

  describe.skipIf(options.skip !== undefined)(`Journal contract: ${name}${options.skip === undefined ? '' : ` (skipped: ${options.skip})`}`, () => {
    let fx: JournalFixture;
    let j: Journal;
    const keys = (entries: readonly Entry[]): string[] => entries.map((e) => e.key);

    beforeEach(async () => {
      fx = await make();
      j = fx.journal;
    });
    afterEach(async () => {
      await fx.cleanup?.();
    });

    describe('get, put, remove', () => {
      it('gives undefined for an absent key, and null (not undefined) for a stored null', async () => {
        expect(await j.get('absent')).toBeUndefined();
        await j.put('n', null);
        expect(await j.get('n')).toBeNull();
        expect(await j.get('absent')).toBeUndefined();
      });

      it('gives back every JSON value it was given: nested objects, arrays, unicode strings, numbers, falsy values', async () => {
        for (const [i, v] of VALUES.entries()) await j.put(`v/${i}`, v);
        for (const [i, v] of VALUES.entries()) expect(await j.get(`v/${i}`), `value ${i}`).toEqual(v);
      });

      it('round-trips any JSON value as JSON does', async () => {
        let i = 0;
        await fc.assert(
          fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (v) => {
            const key = `p/${i++}`;
            await j.put(key, v);
            expect(await j.get(key)).toEqual(viaJson(v));
          }),
          { numRuns },
        );
      });

      it('remove makes a key absent, to get and to range; removing an absent key is fine', async () => {
        await j.put('r/1', { x: 1 });
        await j.put('r/2', 2);
        await j.remove('r/1');
        expect(await j.get('r/1')).toBeUndefined();
        expect(await j.range('r/')).toEqual([{ key: 'r/2', value: 2 }]);
        await j.remove('r/1');
        await j.remove('never');
        expect(await j.get('r/2')).toBe(2);
      });

      it('keeps its own copy: mutating an object after put, or what get returned, changes nothing stored', async () => {
        const v = { list: [1, 2], inner: { s: 'a' } };
        await j.put('c', v);
        v.list.push(3);
        v.inner.s = 'changed';
        expect(await j.get('c')).toEqual({ list: [1, 2], inner: { s: 'a' } });
        const got = (await j.get('c')) as { list: number[] };
        try {
          got.list.push(99);
        } catch (e) {
          // A backend may hand out frozen values instead of copies; either way the stored value stays.
          expect(e).toBeInstanceOf(TypeError);
        }
        expect(await j.get('c')).toEqual({ list: [1, 2], inner: { s: 'a' } });
        await j.transact((txn) => {
          const w = { n: 1 };
          txn.put('c2', w);
          w.n = 2;
        });
        expect(await j.get('c2')).toEqual({ n: 1 });
      });

      it('refuses a value JSON cannot represent with a TypeError (put and in a transaction) and stores nothing', async () => {
        await j.put('bad', 'old');
        for (const v of [undefined, () => 1, 10n]) {
          const e = await rejection(() => j.put('bad', v));
          expect(e).toBeInstanceOf(TypeError);
          expect(await rejection(() => j.transact((txn) => txn.put('bad', v)))).toBeInstanceOf(TypeError);
          expect(await j.get('bad')).toBe('old');
        }
      });

      if (options.maxKeyBytes === undefined) {
        it('has no key length limit (a 3000-byte key works)', async () => {
          await j.put('k'.repeat(3000), 1);
          expect(await j.get('k'.repeat(3000))).toBe(1);
        });
      } else {
        const max = options.maxKeyBytes;
        it(`takes keys of up to ${max} UTF-8 bytes and refuses longer ones with ENAMETOOLONG`, async () => {
          const longest = 'é'.repeat(Math.floor(max / 2)) + 'k'.repeat(max % 2);
          expect(Buffer.byteLength(longest)).toBe(max);
          await j.put(longest, 1);
          expect(await j.get(longest)).toBe(1);
          const over = `${longest}k`;
          expect(await rejection(() => j.put(over, 1))).toMatchObject({ code: 'ENAMETOOLONG' });
          expect(await rejection(() => j.transact((txn) => txn.put(over, 1)))).toMatchObject({ code: 'ENAMETOOLONG' });
          expect(await j.get(over)).toBeUndefined();
        });
      }
    });

    describe('range', () => {
      it('returns exactly the keys starting with the prefix, in key order, with their values', async () => {
        const all = ['b', 'a0', 'a', 'a/', 'a/b/c', 'a//', 'a/b', 'a/é', 'a.', 'a/\u0001', 'a/Z', 'a/a', '@', 'a/😀'];
        for (const k of all) await j.put(k, { k });
        const got = await j.range('a/');
        expect(keys(got)).toEqual(['a/', 'a/\u0001', 'a//', 'a/Z', 'a/a', 'a/b', 'a/b/c', 'a/é', 'a/😀']);
        expect(got.every((e) => (e.value as { k: string }).k === e.key)).toBe(true);
        expect(keys(await j.range('a/b'))).toEqual(['a/b', 'a/b/c']);
        expect(keys(await j.range('a'))).toEqual(all.filter((k) => k.startsWith('a')).sort(order));
      });

      it('sorts keys by code point (UTF-8 bytes, as LMDB does): U+FF01 before U+1F600', async () => {
        for (const k of ['o/\u{1F600}', 'o/\uFF01', 'o/\uE000', 'o/\u00E9', 'o/z']) await j.put(k, 1);
        const want = ['o/z', 'o/é', 'o/\uE000', 'o/\uFF01', 'o/\u{1F600}'];
        expect(keys(await j.range('o/'))).toEqual(want);
      });

      it('gives [] for an empty journal and for a prefix nothing has; the empty prefix lists every key', async () => {
        expect(await j.range('')).toEqual([]);
        expect(await j.range('x')).toEqual([]);
        for (const k of ['m/2', 'z', 'm/1', 'A']) await j.put(k, k);
        expect(await j.range('nothing/')).toEqual([]);
        expect(await j.range('m/1/')).toEqual([]);
        expect(await j.range('')).toEqual(['A', 'm/1', 'm/2', 'z'].map((k) => ({ key: k, value: k })));
      });
    });

    describe('transact', () => {
      it('makes all its writes and removals visible once it resolves, and resolves with what fn returned', async () => {
        await j.put('gone', 1);
        const r = await j.transact((txn) => {
          txn.put('t/1', 'one');
          txn.put('t/2', { two: [2] });
          txn.remove('gone');
          return { ok: true, n: 2 };
        });
        expect(r).toEqual({ ok: true, n: 2 });
        expect(await j.get('t/1')).toBe('one');
        expect(await j.get('t/2')).toEqual({ two: [2] });
        expect(await j.get('gone')).toBeUndefined();
        expect(await j.transact(() => undefined)).toBeUndefined();
        expect(await j.transact((txn) => txn.get('t/1'))).toBe('one');
      });

      it('commits nothing when fn throws, and rejects with what it threw', async () => {
        await j.put('keep', 'before');
        await j.put('x/old', 0);
        const boom = new Error('boom');
        const e = await rejection(() =>
          j.transact((txn) => {
            txn.put('keep', 'after');
            txn.put('x/new', 1);
            txn.remove('x/old');
            throw boom;
          }),
        );
        expect(e).toBe(boom);
        expect(await j.get('keep')).toBe('before');
        expect(await j.range('x/')).toEqual([{ key: 'x/old', value: 0 }]);
      });

      it('commits nothing of a failing transaction running alongside others, and everything of those', async () => {
        const results = await Promise.allSettled([
          j.transact((txn) => txn.put('ok/1', 1)),
          j.transact((txn) => {
            txn.put('ok/bad', 1);
            throw new Error('no');
          }),
          j.put('ok/2', 2),
          j.transact((txn) => txn.put('ok/3', 3)),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(await j.range('ok/')).toEqual([1, 2, 3].map((n) => ({ key: `ok/${n}`, value: n })));
      });

      it('reads its own earlier writes and removals, by get and by range, in key order', async () => {
        await j.put('s/a', 'a0');
        await j.put('s/c', 'c0');
        const seen = await j.transact((txn) => {
          const before = txn.range('s/');
          txn.put('s/b', 'b1');
          txn.put('s/a', 'a1');
          txn.remove('s/c');
          txn.put('s/0', 'zero');
          const mid = { a: txn.get('s/a'), b: txn.get('s/b'), c: txn.get('s/c'), list: txn.range('s/') };
          txn.put('s/c', 'c2');
          txn.remove('s/0');
          return { before, mid, after: txn.range('s/') };
        });
        expect(seen.before).toEqual([
          { key: 's/a', value: 'a0' },
          { key: 's/c', value: 'c0' },
        ]);
        expect(seen.mid).toEqual({
          a: 'a1',
          b: 'b1',
          c: undefined,
          list: [
            { key: 's/0', value: 'zero' },
            { key: 's/a', value: 'a1' },
            { key: 's/b', value: 'b1' },
          ],
        });
        const final = [
          { key: 's/a', value: 'a1' },
          { key: 's/b', value: 'b1' },
          { key: 's/c', value: 'c2' },
        ];
        expect(seen.after).toEqual(final);
        expect(await j.range('s/')).toEqual(final);
      });

      it("range with a key filter: only the keys it accepts (its own writes and removals too), in key order, and the filter is asked of keys under the prefix only", async () => {
        for (const k of ['f/a', 'f/b-keep', 'f/c-keep', 'f/d', 'g/x-keep']) await j.put(k, k);
        const asked: string[] = [];
        const keep = (key: string): boolean => {
          asked.push(key);
          return key.endsWith('-keep');
        };
        const seen = await j.transact((txn) => {
          const before = txn.range('f/', keep);
          txn.put('f/0-keep', 'new');
          txn.remove('f/b-keep');
          txn.put('f/e', 'other');
          return { before, after: txn.range('f/', keep) };
        });
        expect(seen.before).toEqual([
          { key: 'f/b-keep', value: 'f/b-keep' },
          { key: 'f/c-keep', value: 'f/c-keep' },
        ]);
        expect(seen.after).toEqual([
          { key: 'f/0-keep', value: 'new' },
          { key: 'f/c-keep', value: 'f/c-keep' },
        ]);
        expect(asked.every((k) => k.startsWith('f/'))).toBe(true);
        expect(new Set(asked)).toEqual(new Set(['f/a', 'f/b-keep', 'f/c-keep', 'f/d', 'f/0-keep', 'f/e']));
        expect(await j.range('f/')).toHaveLength(5);
      });

      it('serialises concurrent read-modify-write transactions: 50 at once each see a distinct count', async () => {
        await j.put('counter', 0);
        const seen = await Promise.all(
          Array.from({ length: 50 }, () =>
            j.transact((txn) => {
              const n = txn.get('counter') as number;
              txn.put('counter', n + 1);
              return n;
            }),
          ),
        );
        expect(await j.get('counter')).toBe(50);
        expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      });
    });

    describe('order and durability', () => {
      it('lets the later of two sequential commits win, whatever kind they are', async () => {
        await j.put('w', 1);
        await j.put('w', 2);
        expect(await j.get('w')).toBe(2);
        await j.transact((txn) => txn.put('w', 3));
        await j.put('w', 4);
        expect(await j.get('w')).toBe(4);
        await j.remove('w');
        await j.transact((txn) => txn.put('w', 5));
        expect(await j.get('w')).toBe(5);
        await j.put('w', 6);
        await j.remove('w');
        expect(await j.get('w')).toBeUndefined();
        await j.put('w', 7);
        await j.flush();
        expect(await (await fx.reopen()).get('w')).toBe(7);
      });

      it('flush resolves with nothing to flush and after writes, and leaves the content as it was', async () => {
        await j.flush();
        await j.put('f', 1);
        await j.flush();
        await j.flush();
        expect(await j.get('f')).toBe(1);
      });

      it('holds, after a reopen, every write committed before a flush', async () => {
        await j.put('d/1', { one: 1 });
        await j.put('gone', 'x');
        await j.transact((txn) => {
          txn.put('d/2', ['two']);
          txn.put('d/3', 'three');
          txn.remove('gone');
        });
        await j.put('d/3', 'three, again');
        await j.flush();
        const again = await fx.reopen();
        expect(await again.range('')).toEqual([
          { key: 'd/1', value: { one: 1 } },
          { key: 'd/2', value: ['two'] },
          { key: 'd/3', value: 'three, again' },
        ]);
        await again.put('d/4', 4);
        await again.flush();
        expect(await (await fx.reopen()).get('d/4')).toBe(4);
      });
    });

    describe('close', () => {
      it('closes twice without complaint', async () => {
        await j.put('k', 1);
        await j.close();
        await j.close();
      });

      it('rejects get, range, transact, put, remove and flush with EJOURNAL once closed, and runs no callback', async () => {
        await j.put('k', 1);
        await j.flush();
        await j.close();
        let ran = false;
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['get', () => j.get('k')],
          ['range', () => j.range('')],
          ['transact', () => j.transact(() => (ran = true))],
          ['put', () => j.put('k', 2)],
          ['remove', () => j.remove('k')],
          ['flush', () => j.flush()],
        ];
        for (const [call, f] of calls) {
          const e = await rejection(f);
          expect(e, call).toBeInstanceOf(TxfsError);
          expect((e as TxfsError).code, call).toBe('EJOURNAL');
        }
        expect(ran).toBe(false);
        expect(await (await fx.reopen()).get('k')).toBe(1);
      });
    });

    it('behaves as a sorted map under random sequences of puts, removes, transactions and ranges', async () => {
      const segment = fc.constantFrom('a', 'a/', 'a0', 'b', 'é', '😀', '\uFF01');
      const keyArb = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join(''));
      type Op = { put: string; value: unknown } | { remove: string };
      const opArb: fc.Arbitrary<Op> = fc.oneof(
        fc.record({ put: keyArb, value: fc.jsonValue({ maxDepth: 1 }) }),
        fc.record({ remove: keyArb }),
      );
      const stepArb = fc.oneof(
        opArb.map((op) => ({ ops: [op], throws: false, single: true })),
        fc.record({ ops: fc.array(opArb, { maxLength: 5 }), throws: fc.boolean(), single: fc.constant(false) }),
        fc.record({ range: fc.oneof(segment, fc.constant('')) }),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { maxLength: 12 }), async (steps) => {
          const ns = `run${run++}:`;
          let model = new Map<string, unknown>();
          const listed = async (prefix: string): Promise<Entry[]> =>
            (await j.range(ns + prefix)).map((e) => ({ key: e.key.slice(ns.length), value: e.value }));
          const modelRange = (m: ReadonlyMap<string, unknown>, prefix: string): Entry[] =>
            [...m.keys()]
              .filter((k) => k.startsWith(prefix))
              .sort(order)
              .map((key) => ({ key, value: m.get(key) }));
          const applyTo = (m: Map<string, unknown>, ops: readonly Op[]): Map<string, unknown> => {
            const next = new Map(m);
            for (const op of ops) {
              if ('put' in op) next.set(op.put, viaJson(op.value));
              else next.delete(op.remove);
            }
            return next;
          };
          for (const step of steps) {
            if ('range' in step) {
              expect(await listed(step.range)).toEqual(modelRange(model, step.range));
              continue;
            }
            const next = applyTo(model, step.ops);
            const [first] = step.ops;
            if (step.single && first !== undefined) {
              await ('put' in first ? j.put(ns + first.put, first.value) : j.remove(ns + first.remove));
            } else {
              const done = j.transact((txn: JournalTxn) => {
                for (const op of step.ops) {
                  if ('put' in op) txn.put(ns + op.put, op.value);
                  else txn.remove(ns + op.remove);
                }
                if (step.throws) throw new Error('abandoned');
                return txn.range(ns).map((e) => ({ key: e.key.slice(ns.length), value: e.value }));
              });
              if (step.throws) {
                await expect(done).rejects.toThrow('abandoned');
                continue;
              }
              // Inside the transaction, its range already showed the state it commits.
              expect(await done).toEqual(modelRange(next, ''));
            }
            model = next;
          }
          expect(await listed('')).toEqual(modelRange(model, ''));
        }),
        { numRuns },
      );
    });
  });
};
