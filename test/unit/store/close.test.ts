/**
 * `close()` waits for the transactions in flight: a commit, a `transaction()` callback or a `writeFile` that started
 * before it finishes and lands; a call made after it fails with a clear closed-store error (EINVAL) and touches nothing.
 */
import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { rejection, trackedFixtures } from '../transaction/storeFixture.js';

const fixture = trackedFixtures();

const closedError = (e: unknown): void => {
  expect(e).toBeInstanceOf(TxfsError);
  expect((e as TxfsError).code).toBe('EINVAL');
  expect((e as TxfsError).message).toMatch(/is closed; open it again/);
};

describe('close() with transactions in flight', () => {
  it('lets a commit, a transaction() callback and a writeFile already running finish and land', async () => {
    const f = await fixture({ 'a.txt': 'old' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const commit = f.store.begin().writeFile('a.txt', 'new').writeFile('b.txt', 'b').commit();
    const callback = f.store.transaction(async (tx) => {
      // Still building the transaction when close() is called.
      await gate;
      tx.writeFile('c.txt', 'c');
    });
    const single = f.store.writeFile('d.txt', 'd');
    const closing = f.store.close();
    release();
    const [r1, r2, r3] = await Promise.all([commit, callback, single]);
    await closing;
    expect([r1.status, r2.status, r3.status]).toEqual(['committed', 'committed', 'written']);
    expect(f.files()).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt']);
    expect(f.read('a.txt')).toBe('new');
    const again = await f.reopen();
    expect(again.recovery.rolledForward).toEqual([]);
    expect(again.recovery.rolledBack).toEqual([]);
    expect((await again.status()).openTransactions).toEqual([]);
  });

  it('refuses every call made after it with the closed-store error, touching nothing', async () => {
    const f = await fixture({ 'a.txt': 'old' });
    const early = f.store.begin().writeFile('a.txt', 'never');
    await f.store.close();
    closedError(await rejection(early.commit()));
    closedError(await rejection(f.store.writeFile('a.txt', 'never')));
    closedError(await rejection(f.store.deleteFile('a.txt')));
    closedError(await rejection(f.store.transaction((tx) => void tx.writeFile('a.txt', 'never'))));
    expect(() => f.store.begin()).toThrow(/is closed/);
    expect(f.read('a.txt')).toBe('old');
    expect(f.temps()).toEqual([]);
    // A second close() is harmless.
    await f.store.close();
  });
});
