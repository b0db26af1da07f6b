/**
 * API.md "Conflicts": a read-only target (no write bit, checked on the bits, so as root too) is replaced or deleted by
 * a store only when `onExists` is given explicitly; otherwise it is a `read-only` conflict and nothing is touched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

const readOnly = async (): Promise<Awaited<ReturnType<typeof fixture>>> => {
  const f = await fixture({ 'ro.txt': 'OLD', 'rw.txt': 'old rw' });
  fs.chmodSync(path.join(f.root, 'ro.txt'), 0o444);
  return f;
};

describe('read-only targets in a store', () => {
  it.each([
    ['store.writeFile', (f: Awaited<ReturnType<typeof fixture>>) => f.store.writeFile('ro.txt', 'NEW')],
    ['tx.writeFile', (f: Awaited<ReturnType<typeof fixture>>) => f.store.transaction((tx) => void tx.writeFile('rw.txt', 'new rw').writeFile('ro.txt', 'NEW'))],
    ['deleteFile', (f: Awaited<ReturnType<typeof fixture>>) => f.store.deleteFile('ro.txt')],
    ['tx.copy onto it', (f: Awaited<ReturnType<typeof fixture>>) => f.store.begin().copy('rw.txt', 'ro.txt').commit()],
  ])('%s of a read-only file is a read-only conflict (ECONFLICT), nothing touched', async (_what, run) => {
    const f = await readOnly();
    await expect(run(f)).rejects.toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'read-only', path: 'ro.txt' } });
    expect(fs.readFileSync(path.join(f.root, 'ro.txt'), 'utf8')).toBe('OLD');
    expect(fs.readFileSync(path.join(f.root, 'rw.txt'), 'utf8')).toBe('old rw');
    expect(fs.readdirSync(f.root).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
  });

  it('replaces or deletes it when onExists is given explicitly, keeping its mode and a backup', async () => {
    const f = await readOnly();
    const r = await f.store.writeFile('ro.txt', 'NEW', { onExists: 'overwrite' });
    expect(r.status).toBe('written');
    expect(fs.readFileSync(path.join(f.root, 'ro.txt'), 'utf8')).toBe('NEW');
    expect(fs.statSync(path.join(f.root, 'ro.txt')).mode & 0o777).toBe(0o444);
    await f.store.deleteFile('ro.txt', { onExists: 'overwrite' });
    expect(fs.existsSync(path.join(f.root, 'ro.txt'))).toBe(false);
    expect((await f.store.backups.list('ro.txt')).length).toBe(2);
  });

  it("asks a callback with kind 'read-only', and a delete the callback skips leaves the file", async () => {
    const f = await readOnly();
    const seen: string[] = [];
    const r = await f.store.deleteFile('ro.txt', { onExists: async (c) => (seen.push(c.kind), 'skip') });
    expect(seen).toEqual(['read-only']);
    expect(r.status).toBe('skipped');
    expect(fs.readFileSync(path.join(f.root, 'ro.txt'), 'utf8')).toBe('OLD');
  });
});
