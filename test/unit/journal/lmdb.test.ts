import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as t from 'io-ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLmdbJournal, type LmdbJournal } from '../../../src/journal/lmdb.js';
import { decodeRecord, encodeRecord } from '../../../src/journal/envelope.js';

const Entry = t.type({ state: t.keyof({ staging: null, committing: null, committed: null }), note: t.string });

describe('openLmdbJournal', () => {
  let dir: string;
  let journal: LmdbJournal;
  const opened: LmdbJournal[] = [];
  const openAt = async (where: string): Promise<LmdbJournal> => {
    const j = await openLmdbJournal(where);
    opened.push(j);
    return j;
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    journal = await openAt(path.join(dir, 'journal'));
  });
  afterEach(async () => {
    for (const j of opened.splice(0)) await j.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates its directory and stores JSON values by key', async () => {
    expect(fs.statSync(path.join(dir, 'journal')).isDirectory()).toBe(true);
    await journal.put('a', { x: [1, 'two', null, true] });
    expect(await journal.get('a')).toEqual({ x: [1, 'two', null, true] });
    expect(await journal.get('missing')).toBeUndefined();
    await journal.remove('a');
    expect(await journal.get('a')).toBeUndefined();
  });

  it('lists a prefix in key order, and nothing outside it', async () => {
    for (const k of ['tx/b', 'lock/x', 'tx/a', 'tx/a/1', 'tx0', 'tx/é', 'tx/\u{1F600}', 'tw']) await journal.put(k, k);
    expect((await journal.range('tx/')).map((e) => e.key)).toEqual(['tx/a', 'tx/a/1', 'tx/b', 'tx/é', 'tx/\u{1F600}']);
    expect((await journal.range('')).length).toBe(8);
    expect(await journal.range('nothing/')).toEqual([]);
  });

  it('runs a transaction atomically: its reads see its own writes, and its result is returned', async () => {
    await journal.put('n', 1);
    const r = await journal.transact((txn) => {
      const n = txn.get('n') as number;
      txn.put('n', n + 1);
      txn.put('m/1', 'a');
      txn.put('m/2', 'b');
      return { n: txn.get('n'), listed: txn.range('m/').map((e) => e.value) };
    });
    expect(r).toEqual({ n: 2, listed: ['a', 'b'] });
    expect(await journal.get('n')).toBe(2);
  });

  it('commits nothing of a transaction whose callback throws, even when it shares a commit with others', async () => {
    const results = await Promise.allSettled([
      journal.transact((txn) => txn.put('ok/1', 1)),
      journal.transact((txn) => {
        txn.put('bad', 1);
        throw new Error('no');
      }),
      journal.transact((txn) => txn.put('ok/2', 2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { message: 'no' } });
    expect(await journal.get('bad')).toBeUndefined();
    expect((await journal.range('ok/')).map((e) => e.value)).toEqual([1, 2]);
  });

  it('serialises concurrent read-modify-write transactions (no lost update)', async () => {
    await journal.put('counter', 0);
    const other = await openAt(path.join(dir, 'journal'));
    const bump = (j: LmdbJournal) => j.transact((txn) => txn.put('counter', (txn.get('counter') as number) + 1));
    await Promise.all(Array.from({ length: 50 }, (_, i) => bump(i % 2 === 0 ? journal : other)));
    expect(await journal.get('counter')).toBe(50);
  });

  it('keeps what was flushed across close and reopen, and counts flushes and commits', async () => {
    await journal.transact((txn) => txn.put('tx/1', encodeRecord('tx/1', Entry, { state: 'committing', note: 'é' })));
    await journal.flush();
    expect(journal.stats).toEqual({ flushes: 1, commits: 1 });
    await journal.close();
    const again = await openAt(path.join(dir, 'journal'));
    expect(decodeRecord('tx/1', await again.get('tx/1'), Entry)).toEqual({ state: 'committing', note: 'é' });
  });

  it('refuses a key LMDB cannot hold, and use after close, with typed errors', async () => {
    await expect(journal.put('k'.repeat(3000), 1)).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    await expect(journal.transact((txn) => txn.put('k'.repeat(3000), 1))).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    await journal.close();
    await expect(journal.get('a')).rejects.toMatchObject({ code: 'EJOURNAL' });
  });

  it('reports a directory it cannot create with the errno code', async () => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    await expect(openLmdbJournal(path.join(dir, 'file', 'journal'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('reports a stored value of the wrong shape as EJOURNAL naming the key', async () => {
    await journal.put('tx/2', { v: 1, sum: 'feed', body: '{}' });
    await journal.put('tx/3', encodeRecord('tx/3', t.unknown, { state: 'lost', note: 1 }));
    expect(() => decodeRecord('tx/2', undefined, Entry)).toThrow();
    const read = async (k: string) => decodeRecord(k, await journal.get(k), Entry);
    await expect(read('tx/2')).rejects.toMatchObject({ code: 'EJOURNAL', key: 'tx/2', message: expect.stringMatching(/checksum/) as string });
    await expect(read('tx/3')).rejects.toMatchObject({ code: 'EJOURNAL', key: 'tx/3', message: expect.stringMatching(/state/) as string });
  });

  describe('bit rot in the data file', () => {
    const marker = 'MARKER-0123456789-abcdef';
    const damagedCopy = async (flip: (bytes: Buffer, at: number) => void): Promise<LmdbJournal> => {
      await journal.transact((txn) => {
        txn.put('tx/ok', encodeRecord('tx/ok', Entry, { state: 'staging', note: 'fine' }));
        txn.put('tx/rot', encodeRecord('tx/rot', Entry, { state: 'committed', note: marker }));
      });
      await journal.flush();
      await journal.close();
      const copy = path.join(dir, 'copy');
      fs.mkdirSync(copy);
      const data = fs.readFileSync(path.join(dir, 'journal', 'data.mdb'));
      const at = data.indexOf(marker);
      expect(at).toBeGreaterThan(0);
      expect(data.indexOf(marker, at + 1)).toBe(-1);
      flip(data, at);
      fs.writeFileSync(path.join(copy, 'data.mdb'), data);
      return openAt(copy);
    };

    it('turns a flipped bit in a record into EJOURNAL, and leaves the other records readable', async () => {
      const copy = await damagedCopy((bytes, at) => {
        bytes[at + 5] = (bytes[at + 5] ?? 0) ^ 0x01;
      });
      expect(decodeRecord('tx/ok', await copy.get('tx/ok'), Entry)).toEqual({ state: 'staging', note: 'fine' });
      const err = await Promise.resolve(copy.get('tx/rot'))
        .then((raw) => decodeRecord('tx/rot', raw, Entry))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'EJOURNAL', key: 'tx/rot', message: expect.stringMatching(/checksum/) as string });
    });

    it("refuses at open a main tree's root page number outside the file's pages (flipped in both meta pages)", async () => {
      // Byte 136 of each 4 KiB meta page holds the main tree's root page number (checked before LMDB maps the file).
      const opening = damagedCopy((bytes) => {
        for (const at of [136, 4096 + 136]) bytes[at] = (bytes[at] ?? 0) ^ 0x10;
      });
      await expect(opening).rejects.toMatchObject({ code: 'EJOURNAL', message: expect.stringMatching(/names root page \d+, outside pages/) as string });
    });

    it('turns damage LMDB itself detects (a root page of no known type) into EJOURNAL', async () => {
      const copy = await damagedCopy((bytes) => {
        // The newer meta page (larger txnid, byte 152) names the root (byte 136); a page's flags are its bytes 18-19.
        const meta = bytes.readBigUInt64LE(152) >= bytes.readBigUInt64LE(4096 + 152) ? 0 : 4096;
        bytes.writeUInt16LE(0, Number(bytes.readBigUInt64LE(meta + 136)) * 4096 + 18);
      });
      await expect(copy.get('tx/ok')).rejects.toMatchObject({ code: 'EJOURNAL', message: expect.stringMatching(/MDB_CORRUPTED/) as string });
      await expect(copy.range('tx/')).rejects.toMatchObject({ code: 'EJOURNAL' });
    });

    it('turns bytes that are no longer UTF-8 into EJOURNAL from the journal itself', async () => {
      const copy = await damagedCopy((bytes, at) => {
        bytes[at] = 0xff;
      });
      await expect(copy.get('tx/rot')).rejects.toMatchObject({ code: 'EJOURNAL', key: 'tx/rot' });
      await expect(copy.range('tx/')).rejects.toMatchObject({ code: 'EJOURNAL', key: 'tx/rot' });
    });

    it("reads, inside a transaction, only the values of the keys a range's filter accepts", async () => {
      const copy = await damagedCopy((bytes, at) => {
        bytes[at] = 0xff;
      });
      // The damaged value is never parsed when its key is filtered out; asked for, it is EJOURNAL as above.
      const ok = await copy.transact((txn) => txn.range('tx/', (key) => key !== 'tx/rot'));
      expect(ok.map((e) => decodeRecord(e.key, e.value, Entry))).toEqual([{ state: 'staging', note: 'fine' }]);
      await expect(copy.transact((txn) => txn.range('tx/', (key) => key === 'tx/rot'))).rejects.toMatchObject({ code: 'EJOURNAL', key: 'tx/rot' });
    });
  });
});
