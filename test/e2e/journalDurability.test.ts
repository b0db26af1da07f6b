import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as t from 'io-ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLmdbJournal } from '../../src/journal/lmdb.js';
import { decodeRecord } from '../../src/journal/envelope.js';
import { spawnChild, type Child } from './children/spawnChild.js';

const Entry = t.type({ n: t.number, pad: t.string });

describe('LMDB journal durability against SIGKILL', () => {
  let dir: string;
  let child: Child | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  });
  afterEach(async () => {
    await child?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every record whose flush() resolved before the writer was killed, each one intact', async () => {
    const where = path.join(dir, 'journal');
    child = spawnChild('journalWriter.ts', [where]);
    await child.waitForLine((l) => Number(l) >= 30);
    await child.kill();
    const acknowledged = child.lines().filter((l) => l !== '').map(Number);
    const last = Math.max(...acknowledged);
    expect(last).toBeGreaterThanOrEqual(30);

    const journal = await openLmdbJournal(where);
    try {
      const entries = await journal.range('tx/');
      // Every acknowledged record is there, in order, and decodes; at most the one in flight when killed is extra.
      expect(entries.length === last + 1 || entries.length === last + 2).toBe(true);
      entries.forEach(({ key, value }, n) => {
        expect(key).toBe(`tx/${String(n).padStart(6, '0')}`);
        expect(decodeRecord(key, value, Entry)).toEqual({ n, pad: 'x'.repeat(n % 500) });
      });
      // The journal is writable again after the killed writer (its stale reader and lock slots are cleared).
      await journal.transact((txn) => txn.put('after', 1));
      expect(await journal.get('after')).toBe(1);
    } finally {
      await journal.close();
    }
  });
});
