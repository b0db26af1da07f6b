/**
 * The store against a model: random sequences of transactions (fc.commands) on an in-memory disk and journal, the
 * store's files compared with a Map after each; and concurrent transactions on one path (fc.scheduler).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { openStoreWith } from '../../../src/store/openStore.js';
import { createCrashWorld, type CrashWorld } from '../../../src/testing/index.js';
import type { Store, Tx } from '../../../src/types.js';

const PATHS = ['a.txt', 'b.txt', 'd/c.txt', 'd/e.txt'] as const;
type Model = Map<string, string>;
interface Real {
  readonly world: CrashWorld;
  readonly store: Store;
}

type Op = { kind: 'write'; path: string; content: string } | { kind: 'delete'; path: string } | { kind: 'rename'; from: string; to: string } | { kind: 'copy'; from: string; to: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), path: fc.constantFrom(...PATHS), content: fc.string({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ kind: fc.constant('rename' as const), from: fc.constantFrom(...PATHS), to: fc.constantFrom(...PATHS) }),
  fc.record({ kind: fc.constant('copy' as const), from: fc.constantFrom(...PATHS), to: fc.constantFrom(...PATHS) }),
);

const touched = (op: Op): string[] => (op.kind === 'write' || op.kind === 'delete' ? [op.path] : [op.from, op.to]);

/** What the model says a transaction of `ops` does: undefined when it must be refused (and then nothing changes). */
const expected = (m: Model, ops: readonly Op[]): Model | undefined => {
  const seen = ops.flatMap(touched);
  if (new Set(seen).size !== seen.length) return undefined; // one path, one operation (EINVAL)
  const next = new Map(m);
  for (const op of ops) {
    if (op.kind === 'write') next.set(op.path, op.content);
    else if (op.kind === 'delete') {
      if (!m.has(op.path)) return undefined; // ENOENT
      next.delete(op.path);
    } else {
      const v = m.get(op.from);
      if (v === undefined) return undefined; // ENOENT
      if (op.kind === 'rename') next.delete(op.from);
      next.set(op.to, v);
    }
  }
  return next;
};

class TxCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ops: readonly Op[]) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const want = expected(m, this.ops);
    let error: unknown;
    try {
      await r.store.transaction((tx: Tx) => {
        for (const op of this.ops) {
          if (op.kind === 'write') tx.writeFile(op.path, op.content);
          else if (op.kind === 'delete') tx.delete(op.path);
          else if (op.kind === 'rename') tx.rename(op.from, op.to);
          else tx.copy(op.from, op.to);
        }
      });
    } catch (e) {
      error = e;
    }
    if (want === undefined) {
      expect(error).toBeInstanceOf(TxfsError);
      expect(['EINVAL', 'ENOENT']).toContain((error as TxfsError).code);
    } else {
      expect(error).toBeUndefined();
      m.clear();
      for (const [k, v] of want) m.set(k, v);
    }
    const files = r.world.list('/').filter((p) => !p.startsWith('.txfs/'));
    expect(files).toEqual([...m.keys()].sort());
    for (const [k, v] of m) expect(new TextDecoder().decode(r.world.read(`/${k}`))).toBe(v);
    const status = await r.store.status();
    expect(status.locks).toEqual([]);
    expect(status.openTransactions).toEqual([]);
    expect(status.externallyChanged).toEqual([]);
  }
  toString = (): string => `tx(${this.ops.map((o) => JSON.stringify(o)).join(', ')})`;
}

describe('the store against a model', () => {
  it('does what the model says for any sequence of transactions, and refuses exactly what it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([fc.array(opArb, { minLength: 1, maxLength: 4 }).map((ops) => new TxCommand(ops))], { maxCommands: 12 }), async (cmds) => {
        const world = createCrashWorld({ files: { 'a.txt': 'A', 'd/c.txt': 'C' } });
        const store = await openStoreWith({ root: '/', fs: world.fs, journal: world.journal }, {});
        const model: Model = new Map([['a.txt', 'A'], ['d/c.txt', 'C']]);
        await fc.asyncModelRun(() => ({ model, real: { world, store } }), cmds);
        expect(world.list('/').filter((p) => p.endsWith('.txfs-tmp'))).toEqual([]);
        await store.close();
      }),
      { numRuns: 40 },
    );
  });

  it('serialises concurrent transactions on one path: each lands whole, in some order, or is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 4 }), async (s, n) => {
        const world = createCrashWorld({ files: { 'a.txt': 'start', 'b.txt': 'start' } });
        const store = await openStoreWith({ root: '/', fs: world.fs, journal: world.journal, lockTimeoutMs: 60_000 }, {});
        const results = Array.from({ length: n }, (_, i) =>
          s.schedule(Promise.resolve(i)).then((k) => store.transaction((tx) => void tx.writeFile('a.txt', `tx${k}`).writeFile('b.txt', `tx${k}`))).then(
            () => 'ok',
            (e: unknown) => (e instanceof TxfsError ? e.code : 'other'),
          ),
        );
        await s.waitAll();
        const outcomes = await Promise.all(results);
        for (const o of outcomes) expect(['ok', 'ECONFLICT', 'ELOCKED']).toContain(o);
        expect(outcomes).toContain('ok');
        const a = new TextDecoder().decode(world.read('/a.txt'));
        expect(new TextDecoder().decode(world.read('/b.txt'))).toBe(a);
        expect(world.list('/').filter((p) => p.endsWith('.txfs-tmp'))).toEqual([]);
        await store.close();
      }),
      { numRuns: 25 },
    );
  });
});
