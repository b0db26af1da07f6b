/**
 * The commit with `stageWithProtect: false` (stage every temp, then take the backups, one after the other — the
 * A/B switch of the transaction bench) lands the same files and keeps the same verified backups as the default.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

describe.each([true, false])('stageWithProtect: %s', (stageWithProtect) => {
  it('replaces, creates and deletes, keeping a backup of each replaced or deleted file', async () => {
    const f = await fixture({ 'a.txt': 'old a', 'd.txt': 'doomed' }, {}, { tuning: { stageWithProtect } });
    const r = await f.store.begin().writeFile('a.txt', 'new a').writeFile('c.txt', 'new c').delete('d.txt').commit();
    expect(f.files()).toEqual(['a.txt', 'c.txt']);
    expect([f.read('a.txt'), f.read('c.txt')]).toEqual(['new a', 'new c']);
    const kept = r.files.flatMap((x) => (x.backup === undefined ? [] : [[x.path, sha256Of(fs.readFileSync(x.backup.file))]]));
    expect(kept.sort()).toEqual([
      ['a.txt', sha256Of('old a')],
      ['d.txt', sha256Of('doomed')],
    ]);
    expect(f.temps()).toEqual([]);
  });
});
