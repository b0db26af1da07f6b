/**
 * A transaction's arguments are checked when they are given, before anything is touched: a wrong type is a
 * TypeError thrown by `begin` or by the operation being added, a value out of range an EINVAL naming the bound.
 * Nothing lands, no temp is left, and the store stays usable (it used to apply the files, then fail after the commit
 * point and never open again).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { MAX_LABEL_LENGTH } from '../../../src/transaction/txOptions.js';
import type { Tx, TxOptions } from '../../../src/types.js';
import { rejection, trackedFixtures, type Fixture } from './storeFixture.js';

const fixture = trackedFixtures();

/** What `run` throws or rejects with. */
const thrown = async (run: () => unknown): Promise<unknown> => {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
};

/** The store can still be opened and used: a new store on the root recovers nothing and commits. */
const expectUsable = async (f: Fixture): Promise<void> => {
  await f.store.close();
  const again = await f.reopen();
  expect(again.recovery.problems).toEqual([]);
  expect(again.recovery.rolledForward).toEqual([]);
  await again.writeFile('after.txt', 'still works');
  expect(f.read('after.txt')).toBe('still works');
};

describe('a label that is not a string', () => {
  it.each([
    ['a number', 42],
    ['an object', {}],
    ['null', null],
  ])('%s is a TypeError from begin and from transaction; nothing is written and the store opens again', async (_what, label) => {
    const f = await fixture({ 'a.txt': 'old' });
    const options = { label } as unknown as TxOptions;
    expect(await thrown(() => f.store.begin(options))).toBeInstanceOf(TypeError);
    const fromTransaction = await thrown(() => f.store.transaction((tx) => void tx.writeFile('a.txt', 'new').writeFile('b.txt', 'b'), options));
    expect(fromTransaction).toBeInstanceOf(TypeError);
    expect((fromTransaction as Error).message).toMatch(/label must be a string/);
    expect(f.files()).toEqual(['a.txt']);
    expect(f.read('a.txt')).toBe('old');
    expect(f.temps()).toEqual([]);
    expect(f.backups()).toEqual([]);
    await expectUsable(f);
  });

  it('a label longer than the bound is EINVAL naming it; one at the bound commits and is logged', async () => {
    const f = await fixture({});
    const long = await thrown(() => f.store.begin({ label: 'x'.repeat(MAX_LABEL_LENGTH + 1) }));
    expect(long).toBeInstanceOf(TxfsError);
    expect(long).toMatchObject({ code: 'EINVAL', message: expect.stringContaining(`at most ${MAX_LABEL_LENGTH} characters`) as unknown });
    const label = 'y'.repeat(MAX_LABEL_LENGTH);
    await f.store.begin({ label }).writeFile('a.txt', 'a').commit();
    const logged: Array<string | undefined> = [];
    for await (const t of f.store.log()) logged.push(t.label);
    expect(logged).toEqual([label]);
  });
});

describe('operations given arguments of the wrong type', () => {
  const bad: Array<[string, (tx: Tx) => unknown]> = [
    ['copy(undefined, …)', (tx) => tx.copy(undefined as unknown as string, 'c.txt')],
    ['copy(…, undefined)', (tx) => tx.copy('a.txt', undefined as unknown as string)],
    ['rename(undefined, …)', (tx) => tx.rename(undefined as unknown as string, 'c.txt')],
    ['writeFile(p, undefined)', (tx) => tx.writeFile('c.txt', undefined as unknown as string)],
    ['writeFile(p, 42)', (tx) => tx.writeFile('c.txt', 42 as unknown as string)],
    ['writeFile(42, data)', (tx) => tx.writeFile(42 as unknown as string, 'x')],
    ['delete(null)', (tx) => tx.delete(null as unknown as string)],
    ['mkdir({})', (tx) => tx.mkdir({} as unknown as string)],
    ["expect(p, 'gone')", (tx) => tx.expect('a.txt', 'gone' as unknown as 'absent')],
    ['writeFile with options null', (tx) => tx.writeFile('c.txt', 'x', null as unknown as undefined)],
    ["writeFile with onExists 'ovewrite'", (tx) => tx.writeFile('c.txt', 'x', { onExists: 'ovewrite' as unknown as 'overwrite' })],
    ["writeFile with encoding 'utf9'", (tx) => tx.writeFile('c.txt', 'x', { encoding: 'utf9' as BufferEncoding })],
    ['writeFile with a validator lacking validate()', (tx) => tx.writeFile('c.txt', 'x', { validate: { name: 'v' } as unknown as never })],
  ];

  it.each(bad)('%s throws a TypeError when it is added', async (_what, call) => {
    const f = await fixture({ 'a.txt': 'old' });
    const tx = f.store.begin().writeFile('b.txt', 'b');
    expect(() => call(tx)).toThrow(TypeError);
    // The transaction is still open and holds only what was added before: committing it lands b.txt alone.
    await tx.commit();
    expect(f.files()).toEqual(['a.txt', 'b.txt']);
  });

  it.each(bad)('%s inside transaction() rejects with the TypeError; nothing lands, no temp, the store opens again', async (_what, call) => {
    const f = await fixture({ 'a.txt': 'old' });
    const e = await thrown(() =>
      f.store.transaction((tx) => {
        tx.writeFile('a.txt', 'new').writeFile('b.txt', 'b');
        call(tx);
      }),
    );
    expect(e).toBeInstanceOf(TypeError);
    expect(f.files()).toEqual(['a.txt']);
    expect(f.read('a.txt')).toBe('old');
    expect(f.temps()).toEqual([]);
    await expectUsable(f);
  });

  it('an expect() sha256 that is not 64 hex digits is EINVAL naming the format', async () => {
    const f = await fixture({ 'a.txt': 'old' });
    const e = await thrown(() => f.store.begin().expect('a.txt', { sha256: 'abc' }));
    expect(e).toMatchObject({ code: 'EINVAL', message: expect.stringContaining('64 hex digits') as unknown });
  });
});

describe('an operation mode out of range', () => {
  it.each([
    ['1e9 (setuid and sticky bits among others)', 1e9],
    ['0o4755 (setuid)', 0o4755],
    ['decimal 755 (0o1363: sticky)', 755],
    ['-1', -1],
    ['0.5', 0.5],
    ['NaN', NaN],
  ])('%s is EINVAL naming the bound when added; no file is created', async (_what, mode) => {
    const f = await fixture({});
    const e = await thrown(() => f.store.begin().writeFile('a.txt', 'x', { mode }));
    expect(e).toMatchObject({ code: 'EINVAL', message: expect.stringContaining('0 to 0o777') as unknown });
    const viaStore = await rejection(f.store.writeFile('a.txt', 'x', { mode }));
    expect(viaStore.code).toBe('EINVAL');
    expect(f.files()).toEqual([]);
  });

  it('a decimal 644 or 755 is refused with a hint at the octal literal meant', async () => {
    const f = await fixture({});
    expect(await thrown(() => f.store.begin().writeFile('a.txt', 'x', { mode: 755 }))).toMatchObject({ message: expect.stringContaining('did you mean 0o755?') as unknown });
  });

  it("a mode of a string ('644') is a TypeError; 0o640 lands as given", async () => {
    const f = await fixture({});
    expect(await thrown(() => f.store.begin().writeFile('a.txt', 'x', { mode: '644' as unknown as number }))).toBeInstanceOf(TypeError);
    await f.store.begin().writeFile('a.txt', 'x', { mode: 0o640 }).commit();
    expect(fs.statSync(path.join(f.root, 'a.txt')).mode & 0o7777).toBe(0o640);
  });
});
