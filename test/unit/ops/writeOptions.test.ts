/**
 * `writeFileAtomic`'s options are checked before anything is touched: a wrong type or an unknown value is a
 * TypeError, a number out of range (a mode above 0o777, a backup policy's count or age) EINVAL naming the bound.
 * The target, its directory and its backups stay as they were.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { writeFileAtomic } from '../../../src/ops/atomicWrite.js';
import type { WriteOptions } from '../../../src/types.js';
import { caseDirs } from './caseDirs.js';

const cases = caseDirs();

const failure = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected writeFileAtomic to fail');
};

/** A file with three backups beside it; returns the directory's listing. */
const withBackups = async (): Promise<string[]> => {
  const file = cases.at('a.txt');
  fs.writeFileSync(file, 'v0');
  for (const v of ['v1', 'v2', 'v3']) await writeFileAtomic(file, v, { backup: { keep: 5 } });
  const listing = fs.readdirSync(cases.dir).sort();
  expect(listing.length).toBeGreaterThanOrEqual(4);
  return listing;
};

describe('writeFileAtomic options', () => {
  it.each<[string, WriteOptions, string]>([
    ['mode 1e9', { mode: 1e9 }, 'options.mode'],
    ['mode 0o4755 (setuid)', { mode: 0o4755 }, 'options.mode'],
    ['backup.maxAgeDays -1', { backup: { maxAgeDays: -1 } }, 'options.backup.maxAgeDays'],
    ['backup.keep 0', { backup: { keep: 0 } }, 'options.backup.keep'],
    ['backup.keep NaN', { backup: { keep: NaN } }, 'options.backup.keep'],
    ['backup.maxBytes NaN', { backup: { maxBytes: NaN } }, 'options.backup.maxBytes'],
  ])('%s is EINVAL naming the bound; the file and its backups are untouched', async (_what, options, name) => {
    const before = await withBackups();
    const e = await failure(writeFileAtomic(cases.at('a.txt'), 'new', options));
    expect(e).toBeInstanceOf(TxfsError);
    expect(e).toMatchObject({ code: 'EINVAL', message: expect.stringContaining(name) as unknown });
    expect(fs.readdirSync(cases.dir).sort()).toEqual(before);
    expect(fs.readFileSync(cases.at('a.txt'), 'utf8')).toBe('v3');
  });

  it.each<[string, unknown]>([
    ["backup.keep '3'", { backup: { keep: '3' } }],
    ["backup.maxBytes '1k'", { backup: { maxBytes: '1k' } }],
    ['backup 1', { backup: 1 }],
    ["verify 'sha'", { verify: 'sha' }],
    ["onExists 'replace'", { onExists: 'replace' }],
    ["encoding 'utf9'", { encoding: 'utf9' }],
    ['fsync 0', { fsync: 0 }],
    ['signal {}', { signal: {} }],
    ['validate [42]', { validate: [42] }],
    ['options null', null],
  ])('%s is a TypeError; the file and its backups are untouched', async (_what, options) => {
    const before = await withBackups();
    expect(await failure(writeFileAtomic(cases.at('a.txt'), 'new', options as WriteOptions))).toBeInstanceOf(TypeError);
    expect(fs.readdirSync(cases.dir).sort()).toEqual(before);
  });

  it('data of the wrong type is a TypeError before the target is looked at; nothing is created', async () => {
    expect(await failure(writeFileAtomic(cases.at('new.txt'), undefined as unknown as string))).toBeInstanceOf(TypeError);
    expect(fs.readdirSync(cases.dir)).toEqual([]);
  });

  it('a mode within 0..0o777 lands as given', async () => {
    await writeFileAtomic(cases.at('m.txt'), 'x', { mode: 0o751 });
    expect(fs.statSync(cases.at('m.txt')).mode & 0o7777).toBe(0o751);
  });
});
