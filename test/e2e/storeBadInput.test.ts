/**
 * openStore and the store given bad input: a damaged journal, a root that is missing or not a directory, a state
 * directory that cannot be written, paths into the state directory. Each fails clearly and touches nothing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultyFileSystem } from '../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../src/fs/node.js';
import { openLmdbJournal } from '../../src/journal/lmdb.js';
import { openStore } from '../../src/store/openStore.js';
import { rejection } from '../unit/transaction/storeFixture.js';

const dirs: string[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-bad-'));
  dirs.push(d);
  return d;
};
const snapshot = (root: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) {
        if (r !== path.join('.txfs', 'journal')) walk(r);
      } else out[r] = fs.readFileSync(path.join(root, r)).toString('base64');
    }
  };
  walk('');
  return out;
};

describe('openStore on bad input', () => {
  it('refuses a damaged journal record with EJOURNAL and touches nothing, not even the interrupted transaction', async () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'a.txt'), 'old');
    const ffs = createFaultyFileSystem(nodeFileSystem);
    const store = await openStore({ root, fs: ffs });
    // Interrupt a transaction after its temp exists: every later call fails, so it stays `staging` on disk.
    ffs.inject({ kind: 'datasync', nth: 1, errno: 'EIO', mode: 'always' });
    ffs.inject({ kind: 'unlink', nth: 1, errno: 'EIO', mode: 'always' });
    await rejection(store.writeFile('a.txt', 'new'));
    await store.close();
    const journal = await openLmdbJournal(path.join(root, '.txfs', 'journal'));
    const open = await journal.range('open/');
    expect(open).toHaveLength(1);
    const key = `tx/${open[0]?.key.slice('open/'.length) ?? ''}`;
    const raw = (await journal.get(key)) as { v: number; sum: string; body: string };
    await journal.put(key, { ...raw, body: raw.body.replace('staging', 'stagin') });
    await journal.close();
    const before = snapshot(root);
    expect(Object.keys(before).some((f) => f.endsWith('.txfs-tmp'))).toBe(true);
    const e = await rejection(openStore({ root }));
    expect(e.code).toBe('EJOURNAL');
    expect(e.key).toBe(key);
    expect(snapshot(root)).toEqual(before);
  });

  it('says clearly that the root does not exist, or is not a directory', async () => {
    const base = tempDir();
    const missing = await rejection(openStore({ root: path.join(base, 'nope') }));
    expect(missing.code).toBe('ENOENT');
    expect(missing.message).toMatch(/root .* does not exist/);
    fs.writeFileSync(path.join(base, 'file'), 'x');
    const notDir = await rejection(openStore({ root: path.join(base, 'file') }));
    expect(notDir.code).toBe('ENOTDIR');
    expect(notDir.message).toMatch(/not a directory/);
    expect(fs.readdirSync(base)).toEqual(['file']);
  });

  it('says clearly that the state directory cannot be used: a file in its place', async () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'state'), 'I am a file');
    const e = await rejection(openStore({ root, stateDir: path.join(root, 'state') }));
    expect(e.code).toBe('ENOTDIR');
    expect(e.message).toMatch(/state directory .* cannot be used/);
    expect(fs.readFileSync(path.join(root, 'state'), 'utf8')).toBe('I am a file');
  });

  it('says clearly that the state directory cannot be used: an immutable directory (chattr +i)', async ({ skip }) => {
    const root = tempDir();
    const locked = path.join(root, 'locked');
    fs.mkdirSync(locked);
    try {
      execFileSync('chattr', ['+i', locked], { stdio: 'ignore' });
      cleanups.push(() => execFileSync('chattr', ['-i', locked], { stdio: 'ignore' }));
    } catch (e) {
      // Without chattr (or CAP_LINUX_IMMUTABLE), read-only mode bits are what can be had, and root ignores them.
      return skip(`chattr +i is not available here (${e instanceof Error ? e.message : String(e)})`);
    }
    const e2 = await rejection(openStore({ root, stateDir: locked }));
    expect(['EPERM', 'EACCES']).toContain(e2.code);
    expect(e2.message).toMatch(/state directory .* cannot be used/);
    expect(fs.readdirSync(locked)).toEqual([]);
  });

  it('refuses to write into the state directory through the store (EOUTSIDE)', async () => {
    const root = tempDir();
    const store = await openStore({ root });
    try {
      for (const p of ['.txfs/journal/data.mdb', '.txfs/backups/x.bak', path.join(root, '.txfs', 'y'), 'a/../.txfs/z']) {
        expect((await rejection(store.writeFile(p, 'x'))).code, p).toBe('EOUTSIDE');
        expect((await rejection(store.deleteFile(p))).code, p).toBe('EOUTSIDE');
      }
      const custom = tempDir();
      const s2 = await openStore({ root: custom, stateDir: path.join(custom, 'meta') });
      expect((await rejection(s2.writeFile('meta/x', 'x'))).code).toBe('EOUTSIDE');
      await s2.close();
    } finally {
      await store.close();
    }
  });
});
