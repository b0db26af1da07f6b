import { describe, expect, it } from 'vitest';
import { coalesceAfterCommit } from '../../../src/transaction/coalesceAfterCommit.js';

/** A hook that records each run's paths and finishes when the test says so. */
const gatedHook = () => {
  const runs: string[][] = [];
  const gates: Array<() => void> = [];
  const hook = (_txId: string, rels: readonly string[]): Promise<void> =>
    new Promise<void>((resolve) => {
      runs.push([...rels].sort());
      gates.push(resolve);
    });
  const openNext = async (): Promise<void> => {
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { runs, hook, openNext };
};

describe('coalesceAfterCommit', () => {
  it('runs one at a time; calls arriving meanwhile share the next run on the union of their paths', async () => {
    const { runs, hook, openNext } = gatedHook();
    const h = coalesceAfterCommit(hook);
    const settled: string[] = [];
    const a = h('t1', ['a']).then(() => settled.push('t1'));
    await new Promise((r) => setImmediate(r)); // the first run has started
    const b = h('t2', ['b', 'c']).then(() => settled.push('t2'));
    const c = h('t3', ['c', 'd']).then(() => settled.push('t3'));
    await openNext();
    expect(settled).toEqual(['t1']);
    await openNext();
    await Promise.all([a, b, c]);
    expect(runs).toEqual([['a'], ['b', 'c', 'd']]);
    expect(settled).toEqual(['t1', 't2', 't3']);
  });

  it('gives a failed run to every caller that joined it, and the next run still happens', async () => {
    let n = 0;
    const seen: string[][] = [];
    const h = coalesceAfterCommit(async (_id, rels) => {
      seen.push([...rels].sort());
      if (n++ === 0) throw new Error('boom');
    });
    const first = h('t1', ['a']);
    const joined = h('t1b', ['b']);
    await expect(first).rejects.toThrow('boom');
    await expect(joined).rejects.toThrow('boom');
    await expect(h('t2', ['c'])).resolves.toBeUndefined();
    expect(seen).toEqual([['a', 'b'], ['c']]);
  });
});
