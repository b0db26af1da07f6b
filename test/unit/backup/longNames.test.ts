import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKUP_NAME_MAX, backupFileName } from '../../../src/backup/backupFile.js';
import { openStore } from '../../../src/store/openStore.js';
import type { Store } from '../../../src/types.js';

const seed = Number(process.env.FC_SEED ?? 42);
console.log(`long backup names: FC_SEED=${seed}`);
const at = Date.UTC(2026, 0, 2, 3, 4, 5);
const bytes = (s: string): number => Buffer.byteLength(s);

/** File names of 1–255 bytes mixing 1-, 2-, 3- and 4-byte characters, dots, dashes and tildes. */
const fileName = fc
  .array(fc.constantFrom('x', 'y', 'é', '日', '😀', '.', '-', '~', ' '), { minLength: 1, maxLength: 255, size: 'max' })
  .map((cs) => {
    let s = '';
    for (const c of cs) if (bytes(s + c) <= 255) s += c;
    return s;
  })
  .filter((s) => s !== '.' && s !== '..');

describe('backup names of long file names', () => {
  it('keeps every backup name within NAME_MAX with the .gz of compression, cut at a character boundary, unique per file', () => {
    fc.assert(
      fc.property(fileName, fileName, (a, b) => {
        const na = path.posix.basename(backupFileName(`d/${a}`, 'mif8w1k2h0001x9k2a', at));
        expect(bytes(na)).toBeLessThanOrEqual(BACKUP_NAME_MAX);
        expect(bytes(`${na}.gz`)).toBeLessThanOrEqual(255);
        expect(Buffer.from(na, 'utf8').toString('utf8')).toBe(na);
        expect(na).not.toContain('\uFFFD');
        expect(na).toContain('-20260102-030405-mif8w1k2h0001x9k2a');
        expect(na.endsWith('.bak')).toBe(true);
        if (a !== b) expect(path.posix.basename(backupFileName(`d/${b}`, 'mif8w1k2h0001x9k2a', at))).not.toBe(na);
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('keeps the full, readable form for every name that fits, and marks a shortened one with ~ and a hash after the txId', () => {
    const fits = `${'a'.repeat(200)}.txt`;
    expect(backupFileName(fits, 'TX1', at)).toBe(`${'a'.repeat(200)}-20260102-030405-TX1.txt.bak`);
    const long = `${'a'.repeat(246)}.txt`;
    const short = backupFileName(`docs/${long}`, 'TX1', at);
    expect(short).toMatch(/^docs\/a+-20260102-030405-TX1~[0-9a-f]{16}\.txt\.bak$/);
    expect(bytes(path.posix.basename(short))).toBeLessThanOrEqual(BACKUP_NAME_MAX);
    expect(backupFileName(`${'a'.repeat(246)}.txu`, 'TX1', at)).not.toBe(path.posix.basename(short));
  });

  it('cuts a multi-byte name at a character boundary and folds an extension longer than 32 bytes into the cut', () => {
    const cjk = backupFileName(`${'日'.repeat(82)}.txt`, 'TX1', at);
    expect(cjk).toMatch(/^日+-20260102-030405-TX1~[0-9a-f]{16}\.txt\.bak$/);
    const longExt = backupFileName(`a.${'x'.repeat(250)}`, 'TX1', at);
    expect(longExt).toMatch(/^a\.x+-20260102-030405-TX1~[0-9a-f]{16}\.bak$/);
    expect(bytes(longExt)).toBeLessThanOrEqual(BACKUP_NAME_MAX);
  });

  it('rejects a transaction id that could not be read back from a name', () => {
    for (const bad of ['', 'a~b', 'a/b', 'x'.repeat(65)]) expect(() => backupFileName('a.txt', bad, at)).toThrow(TypeError);
  });
});

describe('a store with a file of a 246+ byte name', () => {
  const roots: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
  });
  const open = async (options: { compressAfter?: number } = {}): Promise<{ root: string; store: Store }> => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-long-'));
    roots.push(root);
    const store = await openStore({ root, backups: { ...options } });
    stores.push(store);
    return { root, store };
  };

  it.each([
    ['250 bytes of ASCII', `${'n'.repeat(246)}.txt`],
    ['255 bytes', `${'n'.repeat(251)}.txt`],
    ['250 bytes of 3-byte characters', `${'日'.repeat(82)}.txt`],
  ])('writes, overwrites, deletes and restores a file named with %s, each step backed up', async (_what, name) => {
    const { root, store } = await open();
    const file = path.join(root, 'sub', name);
    fs.mkdirSync(path.join(root, 'sub'));
    await store.writeFile(`sub/${name}`, 'v1');
    await store.writeFile(`sub/${name}`, 'v2');
    expect(fs.readFileSync(file, 'utf8')).toBe('v2');
    await store.deleteFile(`sub/${name}`);
    expect(fs.existsSync(file)).toBe(false);
    const backups = await store.backups.list(`sub/${name}`);
    expect(backups.map((b) => fs.readFileSync(b.file, 'utf8'))).toEqual(['v2', 'v1']);
    for (const b of backups) expect(bytes(path.basename(b.file))).toBeLessThanOrEqual(BACKUP_NAME_MAX);
    await store.backups.restore(`sub/${name}`);
    expect(fs.readFileSync(file, 'utf8')).toBe('v2');
    await store.backups.restore(`sub/${name}`, { backup: backups[1]?.id ?? '' });
    expect(fs.readFileSync(file, 'utf8')).toBe('v1');
    expect(fs.readdirSync(path.join(root, 'sub')).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
  });

  it('compresses the backups of such a file (the .gz fits) and restores from the compressed one', async () => {
    const { root, store } = await open({ compressAfter: 0 });
    const name = `${'g'.repeat(251)}.txt`;
    const big = (v: string): string => v.repeat(10_000);
    await store.writeFile(name, big('1'));
    await store.writeFile(name, big('2'));
    await store.writeFile(name, big('3'));
    await store.backups.prune();
    const backups = await store.backups.list(name);
    expect(backups.length).toBeGreaterThan(0);
    expect(backups.every((b) => b.compressed && b.file.endsWith('.bak.gz'))).toBe(true);
    await store.backups.restore(name, { backup: backups[backups.length - 1]?.id ?? '' });
    expect(fs.readFileSync(path.join(root, name), 'utf8')).toBe(big('1'));
    expect((await store.backups.verify()).problems).toEqual([]);
  });
});
