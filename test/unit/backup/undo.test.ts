import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store.js';
import type { Store, TxResult } from '../../../src/types.js';
import { listFiles } from './fixture.js';

describe('undoTransaction', () => {
  let root: string;
  let store: Store;
  const undo = (id: string): Promise<TxResult<void>> => store.undo(id);
  const write = (rel: string, content: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  };
  const snapshot = (): Record<string, string> =>
    Object.fromEntries(listFiles(root).filter((f) => !f.startsWith('.txfs')).map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    store = await openStore({ root });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('puts back every file of a transaction — replaced, created, deleted, renamed — and the undo undoes too', async () => {
    write('replaced.txt', 'old');
    write('deleted.txt', 'keep me');
    write('moved.txt', 'moving');
    write('over.txt', 'overwritten by a rename');
    write('moved2.txt', 'moving again');
    const before = snapshot();
    fs.mkdirSync(path.join(root, 'created'));
    fs.mkdirSync(path.join(root, 'moved'));
    const r = await store.transaction((tx) => {
      tx.writeFile('replaced.txt', 'new').writeFile('created/new.txt', 'fresh').delete('deleted.txt');
      tx.rename('moved.txt', 'moved/there.txt').rename('moved2.txt', 'over.txt');
    });
    const after = snapshot();
    expect(after).toMatchObject({ 'replaced.txt': 'new', 'created/new.txt': 'fresh', 'moved/there.txt': 'moving', 'over.txt': 'moving again' });

    const u = await undo(r.id);
    expect(u.status).toBe('committed');
    expect(snapshot()).toEqual(before);

    await undo(u.id);
    expect(snapshot()).toEqual(after);
  });

  it('refuses with ECONFLICT when a file changed since, touching nothing', async () => {
    write('a.txt', 'v1');
    write('b.txt', 'b1');
    const r = await store.transaction((tx) => {
      tx.writeFile('a.txt', 'v2').writeFile('b.txt', 'b2');
    });
    await store.writeFile('b.txt', 'b3, a later change');
    const before = snapshot();
    await expect(undo(r.id)).rejects.toMatchObject({ code: 'ECONFLICT' });
    expect(snapshot()).toEqual(before);
    expect(listFiles(root).filter((f) => f.endsWith('.txfs-tmp'))).toEqual([]);
  });

  it('says ENOENT for an unknown transaction, and for one whose backup was not kept', async () => {
    await expect(undo('nosuchtx')).rejects.toMatchObject({ code: 'ENOENT' });
    write('a.txt', 'v1');
    const r = await store.transaction((tx) => void tx.writeFile('a.txt', 'v2'), { backup: false });
    await expect(undo(r.id)).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining('a.txt') as string });
    expect(snapshot()).toEqual({ 'a.txt': 'v2' });
  });

  it('shows in the log which transaction undid which', async () => {
    write('a.txt', 'v1');
    const r = await store.transaction((tx) => void tx.writeFile('a.txt', 'v2'), { label: 'edit' });
    const u = await undo(r.id);
    const log = [];
    for await (const s of store.log({ path: 'a.txt' })) log.push(s);
    expect(log.map((s) => [s.id, s.state, s.undoes])).toEqual([
      [u.id, 'committed', r.id],
      [r.id, 'undone', undefined],
    ]);
  });

  it('follows renames in the log: b.txt’s history holds what happened to it as a.txt', async () => {
    const w = await store.transaction((tx) => void tx.writeFile('a.txt', 'v1'));
    const m = await store.transaction((tx) => void tx.rename('a.txt', 'b.txt'));
    const later = await store.transaction((tx) => void tx.writeFile('a.txt', 'a new a.txt'));
    const ids = [];
    for await (const s of store.log({ path: 'b.txt' })) ids.push(s.id);
    expect(ids).toEqual([m.id, w.id]);
    expect(ids).not.toContain(later.id);
  });
});
