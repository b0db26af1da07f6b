/**
 * An immutable (`chattr +i`) or append-only (`chattr +a`) target refuses the rename or unlink that would replace or
 * remove it, even for root. The store finds that before the commit point — a `permission` conflict — and leaves every
 * target as it was, no temp file behind, no transaction left open, the store usable. Real flags on a real disk.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/index.js';

const chattr = (flag: string, file: string): boolean => spawnSync('chattr', [flag, file]).status === 0;
const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-chattr-'));
fs.writeFileSync(path.join(probeDir, 'p'), '');
const available = chattr('+i', path.join(probeDir, 'p'));
chattr('-i', path.join(probeDir, 'p'));
fs.rmSync(probeDir, { recursive: true, force: true });

const flagged: string[] = [];
const roots: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const f of flagged.splice(0)) {
    chattr('-i', f);
    chattr('-a', f);
  }
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

const setup = async (): Promise<{ root: string; store: Store }> => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-immutable-'));
  roots.push(root);
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(root, n), `old ${n}`);
  const store = await openStore({ root });
  stores.push(store);
  return { root, store };
};
const contents = (root: string): Record<string, string> =>
  Object.fromEntries(fs.readdirSync(root).filter((n) => n !== '.txfs').sort().map((n) => [n, fs.readFileSync(path.join(root, n), 'utf8')]));

describe.skipIf(!available)('immutable and append-only targets (skipped where chattr cannot set flags on the temp directory)', () => {
  it.each([['+i'], ['+a']])('a %s target in a three-file transaction is a permission conflict before the commit point', async (flag) => {
    const { root, store } = await setup();
    expect(chattr(flag, path.join(root, 'b'))).toBe(true);
    flagged.push(path.join(root, 'b'));
    const err = await store.transaction((tx) => void tx.writeFile('a', 'new a').writeFile('b', 'new b').delete('c')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONFLICT', path: 'b', conflict: { kind: 'permission', path: 'b' } });
    expect((err as Error).message).toMatch(/immutable or append-only/);
    expect(contents(root)).toEqual({ a: 'old a', b: 'old b', c: 'old c' });
    expect((await store.status()).openTransactions).toEqual([]);
    expect((await store.status()).locks).toEqual([]);
    // The other files are still free to change; the store opens again.
    await store.writeFile('a', 'later a');
    await store.close();
    const again = await openStore({ root });
    stores.push(again);
    expect(again.recovery.problems).toEqual([]);
  });

  it('a delete and a rename of an immutable file are refused the same way', async () => {
    const { root, store } = await setup();
    expect(chattr('+i', path.join(root, 'c'))).toBe(true);
    flagged.push(path.join(root, 'c'));
    await expect(store.deleteFile('c')).rejects.toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'permission' } });
    await expect(store.begin().rename('c', 'd').commit()).rejects.toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'permission' } });
    expect(contents(root)).toEqual({ a: 'old a', b: 'old b', c: 'old c' });
    expect((await store.status()).openTransactions).toEqual([]);
  });
});
