/**
 * API.md: a transaction notes each target's fingerprint when the operation is added — its state when the call
 * returns — so a change made right after the call is a `changed` conflict at the commit point; and `tx.readFile`
 * pins what it read, so a read-modify-write inside a transaction cannot lose another writer's update.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

describe('the fingerprint of a target is its state when the call returns', () => {
  it('a delete right after tx.writeFile returns is a changed conflict, every time (20 rounds)', async () => {
    const f = await fixture({});
    let conflicts = 0;
    for (let round = 0; round < 20; round++) {
      fs.writeFileSync(path.join(f.root, 'a.txt'), `v${round}`);
      const tx = f.store.begin().writeFile('a.txt', 'new');
      fs.unlinkSync(path.join(f.root, 'a.txt'));
      const err = await tx.commit().then(() => undefined, (e: unknown) => e);
      if ((err as { conflict?: { kind?: string } } | undefined)?.conflict?.kind === 'changed') conflicts++;
      expect(fs.existsSync(path.join(f.root, 'a.txt'))).toBe(false);
    }
    expect(conflicts).toBe(20);
  });

  it('a file created right after tx.expect(path, "absent") returns is a changed conflict', async () => {
    const f = await fixture({});
    const tx = f.store.begin().expect('b.txt', 'absent').writeFile('c.txt', 'c');
    fs.writeFileSync(path.join(f.root, 'b.txt'), 'someone else');
    await expect(tx.commit()).rejects.toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'changed', path: 'b.txt' } });
    expect(fs.existsSync(path.join(f.root, 'c.txt'))).toBe(false);
  });
});

describe('tx.readFile', () => {
  it('returns the content (a string with an encoding) and pins it: another writer in between is a changed conflict', async () => {
    const f = await fixture({ 'count.txt': '1' });
    const tx = f.store.begin();
    const text: string = await tx.readFile('count.txt', { encoding: 'utf8' });
    expect(text).toBe('1');
    // Another writer's update, after the read and before the commit: it must not be lost.
    await f.store.writeFile('count.txt', '5');
    tx.writeFile('count.txt', String(Number(text) + 1));
    await expect(tx.commit()).rejects.toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'changed', path: 'count.txt' } });
    expect(fs.readFileSync(path.join(f.root, 'count.txt'), 'utf8')).toBe('5');
  });

  it('commits when nobody changed the file, and gives a Buffer without an encoding', async () => {
    const f = await fixture({ 'count.txt': '1' });
    await f.store.transaction(async (tx) => {
      const bytes: Buffer = await tx.readFile('count.txt');
      tx.writeFile('count.txt', String(Number(bytes.toString('utf8')) + 1));
    });
    expect(fs.readFileSync(path.join(f.root, 'count.txt'), 'utf8')).toBe('2');
  });

  it('refuses a path outside the root (EOUTSIDE) and a missing file (ENOENT)', async () => {
    const f = await fixture({});
    const tx = f.store.begin();
    await expect(tx.readFile('../x')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    await expect(tx.readFile('none.txt')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('delete with force', () => {
  it('skips a missing file instead of failing, and deletes one that is there', async () => {
    const f = await fixture({ 'here.txt': 'x' });
    const r = await f.store.transaction((tx) => void tx.writeFile('report.csv', 'a,b').delete('report-draft.csv', { force: true }).delete('here.txt', { force: true }));
    expect(r.files.map((x) => [x.path, x.action])).toEqual([['report.csv', 'written'], ['report-draft.csv', 'skipped'], ['here.txt', 'deleted']]);
    await expect(f.store.deleteFile('report-draft.csv')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
