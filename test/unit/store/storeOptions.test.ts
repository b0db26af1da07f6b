/**
 * `openStore`'s options are checked before anything is opened, created or recovered: a wrong type is a TypeError, a
 * number out of range (a lock timeout, a backup policy's count, age or size) or an empty path is EINVAL naming the
 * bound, and a backup directory the store's own writes could reach is refused. Nothing is created, no backup deleted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { openStore } from '../../../src/store/openStore.js';
import { MAX_LOCK_TIMEOUT_MS } from '../../../src/store/storeOptions.js';
import type { BackupPolicy, Logger, StoreOptions } from '../../../src/types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-opts-'));
  dirs.push(d);
  return d;
};

const failure = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected openStore to fail');
};

const expectEinval = (e: unknown, ...fragments: string[]): void => {
  expect(e).toBeInstanceOf(TxfsError);
  expect((e as TxfsError).code).toBe('EINVAL');
  for (const f of fragments) expect((e as TxfsError).message).toContain(f);
};

/** Every backup file of the store at `root`, relative to its backup directory. */
const backupFiles = (root: string): string[] =>
  (fs.readdirSync(path.join(root, '.txfs', 'backups'), { recursive: true }) as string[])
    .filter((n) => fs.statSync(path.join(root, '.txfs', 'backups', n)).isFile())
    .sort();

describe('lockTimeoutMs', () => {
  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-1', -1],
    ['above the longest timer', MAX_LOCK_TIMEOUT_MS + 1],
  ])('%s is EINVAL naming the bound, and nothing is created', async (_what, lockTimeoutMs) => {
    const root = tempDir();
    expectEinval(await failure(openStore({ root, lockTimeoutMs })), 'options.lockTimeoutMs', `from 0 to ${MAX_LOCK_TIMEOUT_MS} ms`);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it("a string ('1000') is a TypeError; 0 and the bound itself are accepted", async () => {
    const root = tempDir();
    const e = await failure(openStore({ root, lockTimeoutMs: '1000' as unknown as number }));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toMatch(/lockTimeoutMs must be a number, got "1000"/);
    expect(fs.readdirSync(root)).toEqual([]);
    for (const lockTimeoutMs of [0, MAX_LOCK_TIMEOUT_MS]) await (await openStore({ root, lockTimeoutMs })).close();
  });
});

describe('root and stateDir', () => {
  it('an empty root is EINVAL, not the current directory: nothing is created there', async () => {
    const cwd = tempDir();
    const before = process.cwd();
    process.chdir(cwd);
    try {
      expectEinval(await failure(openStore({ root: '' })), 'options.root', 'non-empty');
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      process.chdir(before);
    }
  });

  it('a root that is not a string, or missing options, is a TypeError', async () => {
    expect(await failure(openStore({ root: 42 } as unknown as StoreOptions))).toBeInstanceOf(TypeError);
    expect(await failure(openStore(undefined as unknown as StoreOptions))).toBeInstanceOf(TypeError);
  });

  it('an empty stateDir, or one that is the root or above it, is EINVAL and nothing is created', async () => {
    const root = tempDir();
    for (const stateDir of ['', '.', '..', root]) {
      expectEinval(await failure(openStore({ root, stateDir })), 'options.stateDir');
    }
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('a logger without its methods, or a recover that is not a boolean, is a TypeError', async () => {
    const root = tempDir();
    expect(await failure(openStore({ root, logger: { info: () => undefined } as unknown as Logger }))).toBeInstanceOf(TypeError);
    expect(await failure(openStore({ root, recover: 'yes' as unknown as boolean }))).toBeInstanceOf(TypeError);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

describe('a backup policy out of range', () => {
  /** A store whose a.txt has been replaced three times: three backups of it. */
  const storeWithBackups = async (): Promise<string> => {
    const root = tempDir();
    const store = await openStore({ root });
    for (const v of ['1', '2', '3', '4']) await store.writeFile('a.txt', v);
    await store.close();
    expect(backupFiles(root)).toHaveLength(3);
    return root;
  };

  it.each<[string, BackupPolicy, string]>([
    ['maxBytes NaN', { maxBytes: NaN }, 'options.backups.maxBytes'],
    ['maxBytes -1', { maxBytes: -1 }, 'options.backups.maxBytes'],
    ['maxAgeDays -1', { maxAgeDays: -1 }, 'options.backups.maxAgeDays'],
    ['maxAgeDays Infinity', { maxAgeDays: Infinity }, 'options.backups.maxAgeDays'],
    ['keep 0', { keep: 0 }, 'options.backups.keep'],
    ['keep 1.5', { keep: 1.5 }, 'options.backups.keep'],
    ['keep NaN', { keep: NaN }, 'options.backups.keep'],
    ['compressAfter -1', { compressAfter: -1 }, 'options.backups.compressAfter'],
    ['compressAfter 0.5', { compressAfter: 0.5 }, 'options.backups.compressAfter'],
    ['an empty dir', { dir: '' }, 'options.backups.dir'],
  ])('%s is EINVAL at openStore; no backup is deleted', async (_what, backups, name) => {
    const root = await storeWithBackups();
    const before = backupFiles(root);
    expectEinval(await failure(openStore({ root, backups })), name);
    expect(backupFiles(root)).toEqual(before);
  });

  it.each<[string, unknown]>([
    ["maxBytes '1k'", { maxBytes: '1k' }],
    ["keep '3'", { keep: '3' }],
    ['compressAfter null', { compressAfter: null }],
    ['backups 5', 5],
  ])('%s is a TypeError at openStore; no backup is deleted', async (_what, backups) => {
    const root = await storeWithBackups();
    const before = backupFiles(root);
    expect(await failure(openStore({ root, backups: backups as BackupPolicy }))).toBeInstanceOf(TypeError);
    expect(backupFiles(root)).toEqual(before);
  });

  it('a valid policy at its bounds opens and retention keeps what it says', async () => {
    const root = await storeWithBackups();
    const store = await openStore({ root, backups: { keep: 1, maxAgeDays: 0, maxBytes: 0, compressAfter: 0 } });
    try {
      await store.writeFile('a.txt', '5');
      await store.backups.prune();
      expect(await store.backups.list('a.txt')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

describe('backups.dir', () => {
  it('inside the root (not under the state directory) is EINVAL naming the option; nothing is created', async () => {
    const root = tempDir();
    for (const dir of ['kept', path.join(root, 'sub', 'kept'), '.', root]) {
      const e = await failure(openStore({ root, backups: { dir } }));
      expectEinval(e, 'options.backups.dir');
      expect(fs.readdirSync(root)).toEqual([]);
    }
  });

  it('holding the root (a directory above it) is EINVAL', async () => {
    const base = tempDir();
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    expectEinval(await failure(openStore({ root, backups: { dir: base } })), 'options.backups.dir');
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('outside the root but leading into it through a symbolic link is EINVAL', async () => {
    const base = tempDir();
    const root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, 'inside'), { recursive: true });
    fs.symlinkSync(path.join(root, 'inside'), path.join(base, 'link'));
    const e = await failure(openStore({ root, backups: { dir: path.join(base, 'link', 'backups') } }));
    expectEinval(e, 'options.backups.dir', 'symbolic link');
    expect(fs.readdirSync(path.join(root, 'inside'))).toEqual([]);
  });

  it('under the state directory or outside the root is accepted, and the backups land there', async () => {
    const base = tempDir();
    const root = path.join(base, 'root');
    fs.mkdirSync(root);
    const outside = path.join(base, 'elsewhere');
    for (const dir of [path.join(root, '.txfs', 'mine'), outside]) {
      const store = await openStore({ root, backups: { dir } });
      try {
        await store.writeFile('a.txt', 'one');
        const r = await store.writeFile('a.txt', 'two');
        expect(r.backup?.file.startsWith(dir + path.sep)).toBe(true);
      } finally {
        await store.close();
      }
    }
  });
});
