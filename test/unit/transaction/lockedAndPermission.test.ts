/**
 * API.md "Conflicts: when each kind is raised": `locked` (another transaction holds the target's lock past
 * lockTimeoutMs) and `permission` (the target refuses the write: an immutable file) reach an `onExists` callback,
 * which may skip, rename or keep both (locked) or skip (permission), or cancel; a string policy keeps ELOCKED / the
 * refusal.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLocks, lockOwner, releaseLocks } from '../../../src/transaction/locks.js';
import { storeContextOf } from '../../../src/store/openStore.js';
import type { Conflict } from '../../../src/types.js';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

/** Holds the lock of `rel` as another (live) transaction of this process. */
const holdLock = async (f: Awaited<ReturnType<typeof fixture>>, rel: string): Promise<() => Promise<void>> => {
  const env = storeContextOf(f.store).env;
  const owner = lockOwner('other-tx', 'nightly export');
  await acquireLocks(env, [rel], owner, { timeoutMs: 0 });
  return async () => {
    await releaseLocks(env, owner.txId);
    env.processes.markDone(owner.txId);
  };
};

describe("the 'locked' conflict", () => {
  it('reaches a callback with the holder; skip drops the locked file and commits the rest', async () => {
    const f = await fixture({ 'a.txt': 'old a' }, { lockTimeoutMs: 30 });
    const release = await holdLock(f, 'a.txt');
    try {
      const seen: Conflict[] = [];
      const r = await f.store.transaction((tx) => void tx.writeFile('a.txt', 'new a').writeFile('b.txt', 'new b'), { onExists: async (c) => (seen.push(c), c.kind === 'exists' ? 'overwrite' : 'skip') });
      expect(seen.map((c) => [c.kind, c.path])).toEqual([['locked', 'a.txt']]);
      expect(seen[0]?.holder).toMatch(/nightly export/);
      expect(r.files.map((x) => [x.path, x.action])).toEqual([['a.txt', 'skipped'], ['b.txt', 'written']]);
      expect(fs.readFileSync(path.join(f.root, 'a.txt'), 'utf8')).toBe('old a');
    } finally {
      await release();
    }
  });

  it('rename puts the new content beside the locked file', async () => {
    const f = await fixture({ 'a.txt': 'old a' }, { lockTimeoutMs: 30 });
    const release = await holdLock(f, 'a.txt');
    try {
      const r = await f.store.writeFile('a.txt', 'new a', { onExists: async () => 'rename' });
      expect(r.path).toBe('a (1).txt');
      expect(fs.readFileSync(path.join(f.root, 'a (1).txt'), 'utf8')).toBe('new a');
      expect(fs.readFileSync(path.join(f.root, 'a.txt'), 'utf8')).toBe('old a');
    } finally {
      await release();
    }
  });

  it('cancel is ECONFLICT (locked); a string policy stays ELOCKED', async () => {
    const f = await fixture({ 'a.txt': 'old a' }, { lockTimeoutMs: 30 });
    const release = await holdLock(f, 'a.txt');
    try {
      await expect(f.store.writeFile('a.txt', 'x', { onExists: async () => 'cancel' })).rejects.toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'locked' } });
      await expect(f.store.writeFile('a.txt', 'x', { onExists: 'skip' })).rejects.toMatchObject({ code: 'ELOCKED' });
    } finally {
      await release();
    }
  });
});

const chattr = (flag: string, file: string): boolean => spawnSync('chattr', [flag, file]).status === 0;
const flagged: string[] = [];
afterEach(() => {
  for (const f of flagged.splice(0)) chattr('-i', f);
});

describe("the 'permission' conflict", () => {
  it('an immutable target reaches a callback as permission; skip leaves it and commits the rest', async (t) => {
    const f = await fixture({ 'a.txt': 'old a', 'b.txt': 'old b' });
    if (!chattr('+i', path.join(f.root, 'a.txt'))) t.skip('chattr +i is not available on this file system');
    flagged.push(path.join(f.root, 'a.txt'));
    const seen: string[] = [];
    const r = await f.store.transaction((tx) => void tx.writeFile('a.txt', 'new a').writeFile('b.txt', 'new b'), {
      onExists: async (c) => (seen.push(`${c.kind} ${c.path}`), c.kind === 'exists' ? 'overwrite' : 'skip'),
    });
    // Both exist (asked first); then the immutable one refuses, and its callback is asked again, as 'permission'.
    expect(seen).toEqual(['exists a.txt', 'exists b.txt', 'permission a.txt']);
    expect(r.files.map((x) => [x.path, x.action])).toEqual([['a.txt', 'skipped'], ['b.txt', 'written']]);
    expect(fs.readFileSync(path.join(f.root, 'a.txt'), 'utf8')).toBe('old a');
    expect(fs.readdirSync(f.root).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
  });
});
