/**
 * The path rules at the edge: names that merely start with `..` are inside the root; a file path ending with a slash
 * names a directory; a path longer than the journal's keys can hold is refused before anything is touched, and one
 * that fits goes through every kind of record (manifest, lock, backup index) and stays usable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_PATH_BYTES } from '../../../src/journal/records/txRecord.js';
import { openStore } from '../../../src/index.js';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

/** A relative path of exactly `bytes` bytes: directories of 200 bytes and a file name filling the rest. */
const pathOf = (bytes: number): string => {
  const parts: string[] = [];
  let left = bytes;
  while (left > 220) {
    parts.push('d'.repeat(199));
    left -= 200;
  }
  parts.push('f'.repeat(left));
  return parts.join('/');
};

describe('store path rules', () => {
  it.each(['..foo.txt', '...', '..'.concat('x/..y.txt')])('takes %s as a name inside the root', async (name) => {
    const f = await fixture({});
    if (name.includes('/')) fs.mkdirSync(path.join(f.root, path.dirname(name)), { recursive: true });
    await f.store.writeFile(name, 'inside');
    expect(fs.readFileSync(path.join(f.root, name), 'utf8')).toBe('inside');
    await f.store.writeFile(name, 'again');
    await f.store.deleteFile(name);
    expect(fs.existsSync(path.join(f.root, name))).toBe(false);
  });

  it('refuses a file path ending with a slash (EISDIR), touching nothing', async () => {
    const f = await fixture({});
    await expect(f.store.writeFile('dir/', 'x')).rejects.toMatchObject({ code: 'EISDIR', path: 'dir/' });
    await expect(f.store.begin().rename('a/', 'b').commit()).rejects.toMatchObject({ code: 'EISDIR' });
    expect(fs.readdirSync(f.root).sort()).toEqual(['.txfs']);
    // A directory may be named so.
    await f.store.begin().mkdir('made/').commit();
    expect(fs.statSync(path.join(f.root, 'made')).isDirectory()).toBe(true);
  });

  it.each([MAX_PATH_BYTES + 1, 1951, 1973, 3000])('refuses a %i-byte path up front with ENAMETOOLONG; the store stays usable', async (bytes) => {
    const f = await fixture({});
    const p = pathOf(bytes);
    expect(Buffer.byteLength(p)).toBe(bytes);
    fs.mkdirSync(path.join(f.root, path.dirname(p)), { recursive: true });
    await expect(f.store.writeFile(p, 'x')).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    expect(fs.existsSync(path.join(f.root, p))).toBe(false);
    expect((await f.store.status()).openTransactions).toEqual([]);
    await f.store.close();
    const again = await openStore({ root: f.root });
    await again.writeFile('ok.txt', 'fine');
    await again.close();
  });

  it(`takes a path of exactly ${MAX_PATH_BYTES} bytes through write, overwrite with backup, delete and restore`, async () => {
    const f = await fixture({});
    const p = pathOf(MAX_PATH_BYTES);
    fs.mkdirSync(path.join(f.root, path.dirname(p)), { recursive: true });
    await f.store.writeFile(p, 'v1');
    await f.store.writeFile(p, 'v2', { onExists: 'keep-both' });
    await f.store.writeFile(p, 'v3');
    await f.store.deleteFile(p);
    expect((await f.store.backups.list(p)).length).toBeGreaterThanOrEqual(2);
    await f.store.backups.restore(p);
    expect(fs.readFileSync(path.join(f.root, p), 'utf8')).toBe('v3');
    expect((await f.store.verify([p])).problems).toEqual([]);
  });
});
