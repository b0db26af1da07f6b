import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openStore } from '../../../src/store/openStore.js';
import type { Store, TxResult } from '../../../src/types.js';
import { listFiles } from '../backup/fixture.js';

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

  it('refuses to undo an already undone transaction with ECONFLICT naming the undo, touching nothing; after a redo it may go again', async () => {
    write('a.txt', 'v1');
    const r = await store.transaction((tx) => void tx.writeFile('a.txt', 'v2').writeFile('b.txt', 'created'));
    const u = await undo(r.id);
    const before = snapshot();
    const backups = (await store.backups.list('a.txt')).map((e) => e.id);
    await expect(undo(r.id)).rejects.toMatchObject({ code: 'ECONFLICT', message: expect.stringContaining(`${r.id} was already undone by ${u.id}`) as string });
    expect(snapshot()).toEqual(before);
    expect((await store.backups.list('a.txt')).map((e) => e.id)).toEqual(backups);
    expect(listFiles(root).filter((f) => f.endsWith('.txfs-tmp'))).toEqual([]);

    const redo = await undo(u.id);
    expect(snapshot()).toEqual({ 'a.txt': 'v2', 'b.txt': 'created' });
    await expect(undo(u.id)).rejects.toMatchObject({ code: 'ECONFLICT', message: expect.stringContaining(`already undone by ${redo.id}`) as string });
    const again = await undo(r.id);
    expect(snapshot()).toEqual({ 'a.txt': 'v1' });
    await expect(undo(r.id)).rejects.toMatchObject({ code: 'ECONFLICT', message: expect.stringContaining(`already undone by ${again.id}`) as string });
  });

  it('refuses with ECONFLICT, not ENOENT, when a file the transaction created was deleted since', async () => {
    const r = await store.transaction((tx) => void tx.writeFile('new.txt', 'fresh'));
    await store.deleteFile('new.txt');
    const e: unknown = await undo(r.id).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ECONFLICT', path: 'new.txt', message: expect.stringContaining('new.txt was deleted since') as string });
    expect(snapshot()).toEqual({});
  });

  it('refuses with ECONFLICT when a file the transaction deleted is back', async () => {
    write('a.txt', 'v1');
    const r = await store.deleteFile('a.txt');
    await store.writeFile('a.txt', 'someone else’s');
    await expect(undo(r.id)).rejects.toMatchObject({ code: 'ECONFLICT', message: expect.stringContaining('a.txt was created since') as string });
    expect(snapshot()).toEqual({ 'a.txt': 'someone else’s' });
  });

  it('refuses with EINTEGRITY when the backup to put back is corrupted, and with ENOENT when its file is gone', async () => {
    write('a.txt', 'version one');
    const r = await store.transaction((tx) => void tx.writeFile('a.txt', 'version two'));
    const entry = (await store.backups.list('a.txt'))[0];
    if (entry === undefined) throw new Error('no backup');
    fs.writeFileSync(entry.file, 'version 0ne');
    await expect(undo(r.id)).rejects.toMatchObject({ code: 'EINTEGRITY' });
    expect(snapshot()).toEqual({ 'a.txt': 'version two' });
    fs.rmSync(entry.file);
    await expect(undo(r.id)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(snapshot()).toEqual({ 'a.txt': 'version two' });
    expect(listFiles(root).filter((f) => f.endsWith('.txfs-tmp'))).toEqual([]);
  });

  it('removes the directories the transaction created once the undo leaves them empty, and keeps one that holds a later file', async () => {
    const r = await store.transaction((tx) => void tx.mkdir('made').mkdir('made/inner').writeFile('made/inner/f.txt', 'x').mkdir('kept'));
    write('kept/later.txt', 'written since');
    await undo(r.id);
    expect(fs.existsSync(path.join(root, 'made'))).toBe(false);
    expect(snapshot()).toEqual({ 'kept/later.txt': 'written since' });
  });

  it('reports a committed undo as done when removing a created directory fails, and logs it', async () => {
    await store.close();
    const ffs = createFaultyFileSystem(nodeFileSystem);
    const warnings: unknown[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (o: unknown) => void warnings.push(o), error: () => undefined };
    store = await openStore({ root, fs: ffs, logger });
    const r = await store.transaction((tx) => void tx.mkdir('made').writeFile('made/f.txt', 'x'));
    ffs.inject({ kind: 'rmdir', nth: 1, errno: 'EIO', mode: 'always' });
    const u = await undo(r.id);
    expect(u.status).toBe('committed');
    expect(snapshot()).toEqual({});
    expect(fs.statSync(path.join(root, 'made')).isDirectory()).toBe(true);
    expect(warnings).toEqual([expect.objectContaining({ path: 'made', err: expect.objectContaining({ code: 'EIO' }) as unknown })]);
  });

  it('leaves a directory that existed before the transaction', async () => {
    fs.mkdirSync(path.join(root, 'there'));
    const r = await store.transaction((tx) => void tx.mkdir('there').writeFile('there/f.txt', 'x'));
    await undo(r.id);
    expect(fs.statSync(path.join(root, 'there')).isDirectory()).toBe(true);
    expect(snapshot()).toEqual({});
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
