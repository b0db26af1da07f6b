/**
 * writeFileAtomic puts a file in place with one rename at once on the event loop (the backend's `renameSync`) when the
 * rename frees nothing that could take long: nothing there, a file of at most 1 MiB, or one another name keeps. A larger
 * file, a backend without `renameSync` and Windows (whose retries wait without blocking) rename on the thread pool.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FileStat, FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { RENAME_AT_ONCE_MAX_BYTES, renamesAtOnce } from '../../../src/ops/installFile.js';
import { renameWithRetry } from '../../../src/ops/renameRetry.js';
import { isTempName } from '../../../src/ops/tempName.js';
import { caseDirs } from './caseDirs.js';

const cases = caseDirs();
const { at } = cases;
const temps = (): string[] => fs.readdirSync(cases.dir).filter(isTempName);

/** The node adapter, counting its renames on the thread pool and at once. */
const counting = (platform = nodeFileSystem.platform): { fs: FileSystem; pooled: () => number; atOnce: () => number } => {
  let pooled = 0;
  let atOnce = 0;
  const renameSync = nodeFileSystem.renameSync?.bind(nodeFileSystem);
  return {
    pooled: () => pooled,
    atOnce: () => atOnce,
    fs: {
      ...nodeFileSystem,
      ...(platform === undefined ? {} : { platform }),
      rename: (from, to) => {
        pooled++;
        return nodeFileSystem.rename(from, to);
      },
      ...(renameSync === undefined
        ? {}
        : {
            renameSync: (from: string, to: string) => {
              atOnce++;
              renameSync(from, to);
            },
          }),
    },
  };
};

const stat = (size: number, nlink = 1): FileStat => ({ kind: 'file', size, mtimeMs: 0, ino: 1, dev: 1, mode: 0o100644, nlink, uid: 0, gid: 0 });

describe('a rename at once', () => {
  it('is made where it frees nothing that could take long', () => {
    expect(renamesAtOnce(undefined)).toBe(true);
    expect(renamesAtOnce(stat(4096))).toBe(true);
    expect(renamesAtOnce(stat(RENAME_AT_ONCE_MAX_BYTES))).toBe(true);
    expect(renamesAtOnce(stat(RENAME_AT_ONCE_MAX_BYTES + 1))).toBe(false);
    expect(renamesAtOnce(stat(RENAME_AT_ONCE_MAX_BYTES + 1, 2))).toBe(true);
  });

  it('has happened when renameWithRetry returns, and fails as a rejection naming the rename', async () => {
    fs.writeFileSync(at('a'), 'new');
    fs.writeFileSync(at('b'), 'old');
    const p = renameWithRetry(nodeFileSystem, at('a'), at('b'), { atOnce: true });
    // Before the promise is awaited: no thread-pool round trip.
    expect(fs.readFileSync(at('b'), 'utf8')).toBe('new');
    await p;
    await expect(renameWithRetry(nodeFileSystem, at('missing'), at('b'), { atOnce: true })).rejects.toMatchObject({ code: 'ENOENT', syscall: 'rename' });
    // Without it the rename is the thread pool's.
    const c = counting();
    fs.writeFileSync(at('c'), 'newer');
    await renameWithRetry(c.fs, at('c'), at('b'));
    expect([c.atOnce(), c.pooled()]).toEqual([0, 1]);
    expect(fs.readFileSync(at('b'), 'utf8')).toBe('newer');
  });

  it('puts a small file in place at once, and a file over a large one through the thread pool', async () => {
    const c = counting();
    fs.writeFileSync(at('small'), 'x'.repeat(4096));
    await writeFileAtomicWith(c.fs, at('small'), 'small, replaced');
    await writeFileAtomicWith(c.fs, at('new'), 'nothing was there');
    expect([c.atOnce(), c.pooled()]).toEqual([2, 0]);
    fs.writeFileSync(at('large'), Buffer.alloc(RENAME_AT_ONCE_MAX_BYTES + 1));
    await writeFileAtomicWith(c.fs, at('large'), 'large, replaced');
    expect([c.atOnce(), c.pooled()]).toEqual([2, 1]);
    // A large file another name keeps: the rename frees nothing.
    fs.writeFileSync(at('kept'), Buffer.alloc(RENAME_AT_ONCE_MAX_BYTES + 1));
    fs.linkSync(at('kept'), at('kept-too'));
    await writeFileAtomicWith(c.fs, at('kept'), 'kept, replaced');
    expect([c.atOnce(), c.pooled()]).toEqual([3, 1]);
    expect(fs.readFileSync(at('small'), 'utf8')).toBe('small, replaced');
    expect(fs.readFileSync(at('new'), 'utf8')).toBe('nothing was there');
    expect(fs.readFileSync(at('large'), 'utf8')).toBe('large, replaced');
    expect(fs.readFileSync(at('kept'), 'utf8')).toBe('kept, replaced');
    expect(fs.statSync(at('kept-too')).size).toBe(RENAME_AT_ONCE_MAX_BYTES + 1);
    expect(temps()).toEqual([]);
  });

  it('is never made under win32 rules, nor by a backend without renameSync', async () => {
    const win = counting('win32');
    await writeFileAtomicWith(win.fs, at('w'), 'one');
    expect([win.atOnce(), win.pooled()]).toEqual([0, 1]);
    const pooledOnly = Object.fromEntries(Object.entries(nodeFileSystem).filter(([k]) => k !== 'renameSync')) as unknown as FileSystem;
    let renames = 0;
    await writeFileAtomicWith({ ...pooledOnly, rename: (a, b) => (renames++, nodeFileSystem.rename(a, b)) }, at('p'), 'two');
    expect(renames).toBe(1);
    expect(fs.readFileSync(at('w'), 'utf8')).toBe('one');
    expect(fs.readFileSync(at('p'), 'utf8')).toBe('two');
  });

  it('fails as writeFileAtomic fails: target as it was, no temp left', async () => {
    const c = counting();
    // A directory takes the file's name once the temp is made: the rename (at once: nothing was there) is EISDIR.
    const created = (): void => {
      fs.mkdirSync(at('taken'));
      fs.writeFileSync(at('taken/inside'), 'kept');
    };
    await expect(writeFileAtomicWith(c.fs, at('taken'), 'x', {}, { temp: { created } })).rejects.toMatchObject({ code: 'EISDIR', syscall: 'rename' });
    expect(c.atOnce()).toBe(1);
    expect(fs.readFileSync(at('taken/inside'), 'utf8')).toBe('kept');
    expect(temps()).toEqual([]);
  });
});
