/**
 * What a transaction refuses, and what it leaves when it does: a closed transaction (EINVAL), a path that is not a
 * file path (EINVAL / TypeError), an operation whose path holds the wrong kind of thing (EISDIR, EEXIST, ENOENT).
 * Each refusal leaves the disk as it was and no temp file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tx } from '../../../src/types.js';
import { trackedFixtures, type Fixture } from './storeFixture.js';

const fixture = trackedFixtures();

/** The code (or error class name) a call fails with, thrown at once or rejected. */
const failure = async (run: () => unknown): Promise<string> => {
  try {
    await run();
    return 'resolved';
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? code : (e as Error).constructor.name;
  }
};

describe('a closed transaction', () => {
  it('refuses every operation, expect and commit once committed, and rollback too', async () => {
    const f = await fixture({});
    const tx = f.store.begin().writeFile('a.txt', 'a');
    await tx.commit();
    const calls: Array<[string, (t: Tx) => unknown]> = [
      ['writeFile', (t) => t.writeFile('b.txt', 'b')],
      ['expect', (t) => t.expect('a.txt', 'unchanged')],
      ['commit', (t) => t.commit()],
      ['rollback', (t) => t.rollback()],
    ];
    for (const [, call] of calls) expect(await failure(() => call(tx))).toBe('EINVAL');
    await expect(Promise.resolve().then(() => tx.writeFile('b.txt', 'b'))).rejects.toThrow(/already committed/);
    expect(f.files()).toEqual(['a.txt']);
  });

  it('refuses rollback while its commit runs, and refuses new operations once rolled back', async () => {
    const f = await fixture({});
    const tx = f.store.begin().writeFile('a.txt', 'a');
    const committing = tx.commit();
    expect(await failure(() => tx.rollback())).toBe('EINVAL');
    expect(await failure(() => tx.mkdir('d'))).toBe('EINVAL');
    await committing;
    const other = f.store.begin().writeFile('b.txt', 'b');
    await other.rollback();
    expect(await failure(() => other.copy('a.txt', 'c.txt'))).toBe('EINVAL');
    expect(await failure(() => other.commit())).toBe('EINVAL');
    await expect(Promise.resolve().then(() => other.commit())).rejects.toThrow(/already rolled back/);
    expect(f.files()).toEqual(['a.txt']);
  });

  it('a commit that failed leaves the transaction rolled back: commit again is EINVAL', async () => {
    const f = await fixture({});
    const tx = f.store.begin().delete('missing.txt');
    expect(await failure(() => tx.commit())).toBe('ENOENT');
    expect(await failure(() => tx.commit())).toBe('EINVAL');
  });
});

describe('paths that are not file paths in the store', () => {
  it.each([
    ['the empty string', '', 'EINVAL'],
    ['a NUL byte', 'a\0b.txt', 'EINVAL'],
    ["the root itself ('.')", '.', 'EINVAL'],
    ['the root itself (sub/..)', 'sub/..', 'EINVAL'],
    ['a parent escape', '../x.txt', 'EOUTSIDE'],
  ])('%s is refused (%s), nothing is written', async (_what, given, code) => {
    const f = await fixture({ 'keep.txt': 'k' });
    expect(await failure(() => f.store.begin().writeFile(given, 'x').writeFile('ok.txt', 'ok').commit())).toBe(code);
    expect(f.files()).toEqual(['keep.txt']);
    expect(f.temps()).toEqual([]);
  });

  it('expect() on a path outside the root is refused at commit with EOUTSIDE, nothing is written', async () => {
    const f = await fixture({});
    expect(await failure(() => f.store.begin().expect('../elsewhere.txt', 'absent').writeFile('ok.txt', 'ok').commit())).toBe('EOUTSIDE');
    expect(f.files()).toEqual([]);
  });

  it('a path that is not a string is a TypeError', async () => {
    const f = await fixture({});
    expect(await failure(() => f.store.begin().writeFile(42 as unknown as string, 'x').commit())).toBe('TypeError');
    expect(f.files()).toEqual([]);
  });
});

describe('operations on the wrong kind of thing', () => {
  const setup = async (): Promise<Fixture> => {
    const f = await fixture({ 'file.txt': 'f', 'other.txt': 'o' });
    fs.mkdirSync(path.join(f.root, 'dir'));
    return f;
  };
  it.each<[string, (t: Tx) => Tx, string]>([
    ['delete of a directory', (t) => t.delete('dir'), 'EISDIR'],
    ['copy from a directory', (t) => t.copy('dir', 'copy.txt'), 'EISDIR'],
    ['rename of a directory', (t) => t.rename('dir', 'moved'), 'EISDIR'],
    ['writeFile over a directory', (t) => t.writeFile('dir', 'x'), 'EISDIR'],
    ['copy over a directory', (t) => t.copy('file.txt', 'dir'), 'EISDIR'],
    ['mkdir where a file is', (t) => t.mkdir('file.txt'), 'EEXIST'],
    ['rename of a missing file', (t) => t.rename('missing.txt', 'x.txt'), 'ENOENT'],
    ['delete of a missing file', (t) => t.delete('missing.txt'), 'ENOENT'],
  ])('%s: %s, and the other operations of the transaction do not land', async (_what, op, code) => {
    const f = await setup();
    expect(await failure(() => op(f.store.begin().writeFile('other.txt', 'changed')).commit())).toBe(code);
    expect(f.read('other.txt')).toBe('o');
    expect(f.read('file.txt')).toBe('f');
    expect(fs.statSync(path.join(f.root, 'dir')).isDirectory()).toBe(true);
    expect(f.temps()).toEqual([]);
  });

  it('mkdir where a directory already is, is a no-op that succeeds', async () => {
    const f = await setup();
    await f.store.begin().mkdir('dir').writeFile('dir/in.txt', 'in').commit();
    expect(f.read('dir/in.txt')).toBe('in');
  });
});
