/**
 * An LMDB journal once closed: every call rejects with EJOURNAL naming the journal (a transaction callback is not
 * even run), closing again is a no-op, and what was written before the close is there on reopen.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLmdbJournal } from '../../../src/journal/lmdb.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('a closed LMDB journal', () => {
  it('rejects get, range, put, remove, flush and transact with EJOURNAL; close twice is fine; reopen sees the data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    dirs.push(dir);
    const where = path.join(dir, 'journal');
    const journal = await openLmdbJournal(where);
    await journal.put('k', { v: 1 });
    await journal.flush();
    await journal.close();
    await journal.close();

    let ran = false;
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['get', () => journal.get('k')],
      ['range', () => journal.range('')],
      ['put', () => journal.put('k', 2)],
      ['remove', () => journal.remove('k')],
      ['flush', () => journal.flush()],
      ['transact', () => journal.transact(() => (ran = true))],
    ];
    for (const [name, call] of calls) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toMatchObject({ code: 'EJOURNAL', path: where });
      expect((err as Error).message, name).toMatch(/is closed/);
    }
    expect(ran).toBe(false);

    const again = await openLmdbJournal(where);
    try {
      expect(await again.get('k')).toEqual({ v: 1 });
    } finally {
      await again.close();
    }
  });
});
