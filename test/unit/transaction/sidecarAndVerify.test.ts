/**
 * A checksum sidecar goes where its file goes (skipped with it), and `verify(paths)` checks just the named paths:
 * intact, changed outside the store, missing, or never written through the store.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

describe('checksum sidecars', () => {
  it("a write skipped by onExists 'skip' writes no sidecar either; the other write gets its sidecar", async () => {
    const f = await fixture({ 'a.txt': 'old a' });
    const r = await f.store
      .begin()
      .writeFile('a.txt', 'new a', { checksumFile: true, onExists: 'skip' })
      .writeFile('b.txt', 'new b', { checksumFile: true })
      .commit();
    expect(f.read('a.txt')).toBe('old a');
    expect(f.read('a.txt.sha256')).toBeUndefined();
    expect(f.read('b.txt.sha256')).toContain(sha256Of('new b'));
    expect(r.files.filter((x) => x.action === 'skipped').map((x) => x.path).sort()).toEqual(['a.txt', 'a.txt.sha256']);
  });
});

describe('verify(paths)', () => {
  it('reports only the named paths: intact, changed, missing and unindexed', async () => {
    const f = await fixture({});
    await f.store.begin().writeFile('ok.txt', 'ok').writeFile('changed.txt', 'v1').writeFile('gone.txt', 'g').writeFile('other.txt', 'o').commit();
    fs.writeFileSync(path.join(f.root, 'changed.txt'), 'v2 changed outside');
    fs.rmSync(path.join(f.root, 'gone.txt'));
    fs.writeFileSync(path.join(f.root, 'other.txt'), 'also changed, but not asked about');
    f.write('never.txt', 'not through the store');

    const report = await f.store.verify(['ok.txt', 'changed.txt', 'gone.txt', 'never.txt']);
    expect(report.checked).toBe(4);
    expect(report.ok).toBe(1);
    const byPath = Object.fromEntries(report.problems.map((p) => [p.path, p]));
    expect(Object.keys(byPath).sort()).toEqual(['changed.txt', 'gone.txt', 'never.txt']);
    expect(byPath['changed.txt']).toMatchObject({ kind: 'changed', expected: sha256Of('v1'), actual: sha256Of('v2 changed outside') });
    expect(byPath['gone.txt']).toMatchObject({ kind: 'missing', expected: sha256Of('g') });
    expect(byPath['never.txt']).toMatchObject({ kind: 'unindexed' });
    expect(byPath['never.txt']?.expected).toBeUndefined();

    // status() tells the same changes apart as 'modified' and 'deleted', for every file the store wrote.
    const { externallyChanged } = await f.store.status();
    expect([...externallyChanged].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { path: 'changed.txt', kind: 'modified', expected: sha256Of('v1'), actual: sha256Of('v2 changed outside') },
      { path: 'gone.txt', kind: 'deleted', expected: sha256Of('g') },
      { path: 'other.txt', kind: 'modified', expected: sha256Of('o'), actual: sha256Of('also changed, but not asked about') },
    ]);
  });

  it('a path outside the root is refused with EOUTSIDE', async () => {
    const f = await fixture({});
    await expect(f.store.verify(['../elsewhere.txt'])).rejects.toMatchObject({ code: 'EOUTSIDE' });
  });
});
