import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openLmdbJournal } from '../../../src/journal/lmdb.js';
import { checkLmdbFiles, isJournalDamage } from '../../../src/journal/lmdbFiles.js';
import { spawnChild } from '../../e2e/children/spawnChild.js';

const scratch: string[] = [];
afterEach(() => {
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const journalDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-lmdbfiles-'));
  scratch.push(d);
  return path.join(d, 'journal');
};
const check = (dir: string) => checkLmdbFiles(nodeFileSystem, dir, { overlappingSync: false, inUse: false });
const failureOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

/** A journal with small records, values of several pages, and records removed again (free pages). */
const makeJournal = async (dir: string): Promise<void> => {
  const j = await openLmdbJournal(dir);
  for (let round = 0; round < 4; round++) {
    await j.transact((txn) => {
      for (let i = 0; i < 200; i++) txn.put(`r${round}/${i}`, { i, pad: 'y'.repeat(i % 9 === 0 ? 12_000 : 150) });
    });
    await j.transact((txn) => {
      for (let i = 0; i < 200; i += 3) txn.remove(`r${round}/${i}`);
    });
  }
  await j.close();
};

/** Sets the last page number of both meta pages to `n` (their u64 at byte 144 of each 4 KiB meta page). */
const setLastPage = (dir: string, n: bigint): void => {
  const file = path.join(dir, 'data.mdb');
  const fd = fs.openSync(file, 'r+');
  try {
    for (const at of [144, 4096 + 144]) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(n);
      fs.writeSync(fd, b, 0, 8, at);
    }
  } finally {
    fs.closeSync(fd);
  }
};

describe('checkLmdbFiles', () => {
  it('creates a missing journal directory with empty lock and data files, as LMDB would', async () => {
    const dir = journalDir();
    expect(await check(dir)).toEqual({ hasData: false });
    expect(fs.readdirSync(dir).sort()).toEqual(['data.mdb', 'lock.mdb']);
    expect(fs.statSync(path.join(dir, 'data.mdb')).size).toBe(0);
  });

  it('passes a journal LMDB wrote, with values of several pages and freed pages', async () => {
    const dir = journalDir();
    await makeJournal(dir);
    expect(await check(dir)).toEqual({ hasData: true });
  });

  it('passes a file that ends before its last page when every page the trees use is in it (pages never written)', async () => {
    const dir = journalDir();
    await makeJournal(dir);
    const pages = BigInt(fs.statSync(path.join(dir, 'data.mdb')).size / 4096);
    setLastPage(dir, pages + 40n);
    expect(await check(dir)).toEqual({ hasData: true });
    // LMDB agrees: it opens, reads every record and commits.
    const j = await openLmdbJournal(dir);
    try {
      expect((await j.range('r3/')).length).toBe(133);
      await j.put('after', 1);
      expect(await j.get('after')).toBe(1);
    } finally {
      await j.close();
    }
  });

  it('refuses a last page number no map can hold, and a root page outside the pages the meta page gives', async () => {
    const dir = journalDir();
    await makeJournal(dir);
    setLastPage(dir, 2n ** 60n);
    await expect(check(dir)).rejects.toMatchObject({ code: 'EJOURNAL', message: expect.stringMatching(/impossible last page/) as string });
    setLastPage(dir, 3n);
    await expect(check(dir)).rejects.toMatchObject({ code: 'EJOURNAL', message: expect.stringMatching(/root page \d+, outside pages 2…3/) as string });
  });

  it('names the first page a truncated file lost, reached through the tree', async () => {
    const dir = journalDir();
    await makeJournal(dir);
    const file = path.join(dir, 'data.mdb');
    fs.truncateSync(file, 3 * 4096);
    const e = await failureOf(check(dir));
    expect(e).toMatchObject({ code: 'EJOURNAL', path: file, message: expect.stringMatching(/beyond the end of the file \(3 pages\): the file was truncated/) as string });
    expect(isJournalDamage(e)).toBe(true);
  });

  it('passes a journal another process commits to while it is checked (its file grows between the reads)', async () => {
    const dir = journalDir();
    const writer = spawnChild('journalWriter.ts', [dir]);
    try {
      await writer.waitForLine((l) => l === '20');
      const failures: unknown[] = [];
      let checks = 0;
      for (const last = Number(writer.lines().at(-1)) + 1500; Number(writer.lines().at(-1)) < last; checks++) {
        const e = await failureOf(check(dir));
        if (e !== undefined) failures.push(e);
      }
      expect(checks).toBeGreaterThan(50);
      expect(failures).toEqual([]);
    } finally {
      await writer.kill();
    }
  }, 60_000);

  it('tells damage apart from a journal file that merely cannot be opened for writing', () => {
    const unwritable = new TxfsError('EJOURNAL', 'EJOURNAL: cannot be opened', { cause: new TxfsError('EPERM', 'EPERM') });
    expect(isJournalDamage(unwritable)).toBe(false);
    expect(isJournalDamage(new TxfsError('EJOURNAL', 'EJOURNAL: damaged'))).toBe(true);
    expect(isJournalDamage(new TxfsError('EIO', 'EIO'))).toBe(false);
  });
});
