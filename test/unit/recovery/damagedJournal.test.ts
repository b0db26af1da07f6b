/**
 * Recovery facing a journal it cannot trust: an open transaction whose record is missing or damaged is EJOURNAL
 * naming the key, and nothing on disk is touched (recovery refuses to guess).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, recover } from '../../../src/store/openStore.js';
import { openKey, txKey } from '../../../src/journal/records/txRecord.js';
import type { Store } from '../../../src/types.js';
import { mapJournal } from '../transaction/mapJournal.js';

const roots: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

describe('recovery on a damaged journal', () => {
  it.each([
    ['is missing', undefined],
    ['is not a record', 'garbage'],
    ['has a checksum that does not match', { v: 1, sum: 'deadbeef', body: '{"id":"t1"}' }],
  ])('an open transaction whose record %s: EJOURNAL naming its key, files untouched', async (_what, raw) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    roots.push(root);
    fs.writeFileSync(path.join(root, 'a.txt'), 'a');
    fs.writeFileSync(path.join(root, '.a.txt.t1.0.txfs-tmp'), 'a temp that recovery must not guess about');
    const journal = mapJournal();
    const store = await openStore({ root, journal, recover: false });
    stores.push(store);
    await journal.put(openKey('t1'), 1);
    if (raw !== undefined) await journal.put(txKey('t1'), raw);

    await expect(recover(store)).rejects.toMatchObject({ code: 'EJOURNAL', key: txKey('t1') });
    expect(fs.readdirSync(root).sort()).toEqual(['.a.txt.t1.0.txfs-tmp', '.txfs', 'a.txt']);
    expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('a');
    // Opening the store (which recovers) refuses the same way.
    await expect(openStore({ root, journal })).rejects.toMatchObject({ code: 'EJOURNAL' });
  });
});
