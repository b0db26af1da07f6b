import { describe, expect, it } from 'vitest';
import { createDeferrals } from '../../../src/transaction/deferrals.js';

/** A promise and its resolver. */
const gate = (): { readonly promise: Promise<void>; readonly open: () => void } => {
  let open = (): void => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
};
const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('createDeferrals', () => {
  it('settle waits for a rest and for what runs after it, even once the rest alone is done', async () => {
    const d = createDeferrals({ inBackground: true });
    const rest = gate();
    const next = gate();
    const log: string[] = [];
    d.add('t1', ['a'], async () => {
      await rest.promise;
      log.push('rest');
    });
    expect(d.after('t1', async () => {
      await next.promise;
      log.push('next');
    })).toBe(true);
    rest.open();
    await turns();
    // The rest has run: the transaction holds no lock any more, but what runs after it is still running.
    expect(log).toEqual(['rest']);
    expect(d.touches(['a'])).toBe(false);
    let settled = false;
    const s = d.settle().then(() => (settled = true));
    await turns();
    expect(settled).toBe(false);
    next.open();
    await s;
    expect(log).toEqual(['rest', 'next']);
  });

  it('settleRests waits for the rests holding the given paths only, not for what runs after them', async () => {
    const d = createDeferrals({ inBackground: true });
    const restA = gate();
    const restB = gate();
    const next = gate();
    d.add('ta', ['a'], () => restA.promise);
    d.add('tb', ['b'], () => restB.promise);
    d.after('ta', () => next.promise);
    let doneA = false;
    const a = d.settleRests(['a']).then(() => (doneA = true));
    await turns();
    expect(doneA).toBe(false);
    restA.open();
    await a;
    // tb still runs, and ta's after-work is still waiting: neither held the wait for 'a'.
    expect(d.touches(['b'])).toBe(true);
    let all = false;
    const rests = d.settleRests().then(() => (all = true));
    await turns();
    expect(all).toBe(false);
    restB.open();
    await rests;
    next.open();
    await d.settle();
  });

  it('inline (not in the background), a rest runs only when someone settles; its failure reaches who settles', async () => {
    const d = createDeferrals({ inBackground: false });
    let ran = 0;
    d.add('t', ['a'], async () => {
      ran++;
      await Promise.resolve();
      throw new Error('rest failed');
    });
    await turns();
    expect(ran).toBe(0);
    await expect(d.settleRests(['a'])).rejects.toThrow('rest failed');
    expect(ran).toBe(1);
    await expect(d.settle()).resolves.toBeUndefined();
  });

  it('waits inside draining: what the rests hold back for a later commit is let go while someone waits', async () => {
    const drains: string[] = [];
    const d = createDeferrals({
      inBackground: true,
      draining: async (wait) => {
        drains.push('start');
        await wait();
        drains.push('end');
      },
    });
    await d.settle(); // nothing queued: no drain
    expect(drains).toEqual([]);
    const rest = gate();
    d.add('t', ['a'], () => rest.promise);
    const s = d.settleRests(['a']);
    await turns();
    expect(drains).toEqual(['start']);
    rest.open();
    await s;
    expect(drains).toEqual(['start', 'end']);
  });

  it('a rest that hands its step 9 over no longer holds settleDurable or settleLocks back, drains nothing, and still holds settleRests', async () => {
    const drains: string[] = [];
    const d = createDeferrals({
      inBackground: true,
      draining: async (wait) => {
        drains.push('drain');
        await wait();
      },
    });
    const durable = gate();
    const riding = gate();
    d.add('t', ['a'], async (handOver) => {
      await durable.promise; // step 8
      handOver(new Map([['a', undefined]]));
      await riding.promise; // step 9, riding on the next commit
    });
    let durableDone = false;
    let locksDone = false;
    const s1 = d.settleDurable().then(() => (durableDone = true));
    const s2 = d.settleLocks(['a']).then(() => (locksDone = true));
    await turns();
    // Step 8 still running: both wait, and the transaction's manifest writes are not known yet.
    expect([durableDone, locksDone]).toEqual([false, false]);
    expect(d.manifestOf('a')).toBeUndefined();
    durable.open();
    await Promise.all([s1, s2]);
    // Handed over: what it will write is known, it is still queued, and nothing was let go early to get here.
    expect(d.manifestOf('a')).toEqual({ entry: undefined });
    expect(d.touches(['a'])).toBe(true);
    expect(drains).toEqual([]);
    let restsDone = false;
    const s3 = d.settleRests(['a']).then(() => (restsDone = true));
    await turns();
    expect(restsDone).toBe(false);
    expect(drains).toEqual(['drain']);
    riding.open();
    await s3;
    expect(d.touches(['a'])).toBe(false);
  });

  it('settleDurable resolves for a rest that never hands over once it has run (inline: it starts it)', async () => {
    const d = createDeferrals({ inBackground: false });
    const log: string[] = [];
    d.add('t', ['a'], async () => {
      await Promise.resolve();
      log.push('rest');
    });
    await turns();
    expect(log).toEqual([]);
    await d.settleDurable();
    expect(log).toEqual(['rest']);
  });
});
