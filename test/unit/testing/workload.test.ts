import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraries } from '../../../src/testing/index.js';
import { applyTx, initialState, parentOf, pathsOf, targetsOf, whyInvalid, contentOf, modelStates, type ModelState, type Workload } from '../../../src/testing/workload.js';

describe('arbitraries.workload', () => {
  it('generates 1–5 transactions of 1–6 operations, each valid in the model when its transaction starts', () => {
    fc.assert(
      fc.property(arbitraries.workload(), (w) => {
        expect(w.txs.length).toBeGreaterThanOrEqual(1);
        expect(w.txs.length).toBeLessThanOrEqual(5);
        let state: ModelState = initialState(w);
        w.txs.forEach((tx, k) => {
          expect(tx.length).toBeGreaterThanOrEqual(1);
          expect(tx.length).toBeLessThanOrEqual(6);
          const paths = tx.flatMap(pathsOf);
          expect(new Set(paths).size).toBe(paths.length);
          let inTx = state;
          for (const op of tx) {
            expect(whyInvalid(inTx, op)).toBeUndefined();
            for (const p of pathsOf(op)) expect(state.dirs.has(parentOf(p))).toBe(true);
            inTx = applyTx(inTx, [op], k);
          }
          state = applyTx(state, tx, k, w.policies?.[k]);
        });
      }),
    );
  });

  it('mostly writes small contents, sometimes up to 64 KiB', () => {
    const sizes = fc
      .sample(arbitraries.workload(), { numRuns: 400, seed: 1 })
      .flatMap((w) => w.txs.flat())
      .flatMap((op) => (op.op === 'write' ? [op.size] : []));
    const small = sizes.filter((s) => s <= 96).length;
    expect(small / sizes.length).toBeGreaterThan(0.5);
    expect(Math.max(...sizes)).toBeGreaterThan(6000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('the workload model', () => {
  const w: Workload = {
    files: { 'a.txt': 'A', 'sub/base.txt': 'base' },
    txs: [[{ op: 'rename', from: 'a.txt', to: 'b.txt' }, { op: 'write', path: 'sub/d.txt', size: 5 }], [{ op: 'copy', from: 'b.txt', to: 'c.json' }, { op: 'delete', path: 'sub/base.txt' }, { op: 'mkdir', path: 'new' }]],
  };

  it('replays transactions into states, a failed transaction changing nothing', () => {
    const { states, inFlight } = modelStates(w, { outcomes: [{ status: 'acked', id: 'x' }, { status: 'failed', code: 'EIO', message: '' }] });
    expect(inFlight).toBeUndefined();
    expect([...(states[1] as ModelState).files.keys()].sort()).toEqual(['b.txt', 'sub/base.txt', 'sub/d.txt']);
    expect(states[2]).toEqual(states[1]);
  });

  it('gives the in-flight transaction both its old and its new state', () => {
    const { states, inFlight } = modelStates(w, { outcomes: [{ status: 'acked', id: 'x' }, { status: 'crashed' }] });
    expect(inFlight).toBe(1);
    const after = states[2] as ModelState;
    expect(Buffer.from(after.files.get('c.json') ?? []).toString()).toBe('A');
    expect(after.files.has('sub/base.txt')).toBe(false);
    expect(after.dirs.has('new')).toBe(true);
    expect(targetsOf({ op: 'copy', from: 'b.txt', to: 'c.json' })).toEqual(['c.json']);
  });

  it('writes content distinct per transaction and operation', () => {
    expect(Buffer.from(contentOf(0, 1, 40)).equals(Buffer.from(contentOf(1, 0, 40)))).toBe(false);
    expect(contentOf(3, 2, 5).length).toBe(5);
  });
});
