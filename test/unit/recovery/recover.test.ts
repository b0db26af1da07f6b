import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listAllBackupRecords } from '../../../src/backup/backupIndex.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { storeContextOf, openStore } from '../../../src/store/openStore.js';
import type { Store } from '../../../src/types.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-rec-'));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const initial: Record<string, string> = { 'a.txt': 'old a', 'd.txt': 'doomed', 'e.txt': 'moving' };
const oldState = { 'a.txt': 'old a', 'd.txt': 'doomed', 'e.txt': 'moving' };
const newState = { 'a.txt': 'new a', 'c.txt': 'new c', 'sub/e.txt': 'moving', 'sub/n.txt': 'in new dir' };

let keepBackups = true;
const txBody = (s: Store): Promise<unknown> =>
  s.transaction((tx) => void tx.writeFile('a.txt', 'new a').writeFile('c.txt', 'new c').delete('d.txt').mkdir('sub').rename('e.txt', 'sub/e.txt').writeFile('sub/n.txt', 'in new dir'), { backup: keepBackups });

let n = 0;
const freshRoot = (): string => {
  const root = path.join(base, String(n++));
  fs.mkdirSync(root);
  for (const [rel, c] of Object.entries(initial)) fs.writeFileSync(path.join(root, rel), c);
  return root;
};

const walk = (dir: string, rel = ''): string[] =>
  fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (r === '.txfs') return [];
    return e.isDirectory() ? walk(dir, r) : [r];
  });
const contents = (root: string): Record<string, string> => Object.fromEntries(walk(root).sort().map((r) => [r, fs.readFileSync(path.join(root, r), 'utf8')]));

/** Runs the transaction with every FileSystem call from the `k`th on failing (a process cut off there). */
const interrupted = async (k: number): Promise<{ root: string; acked: boolean }> => {
  const root = freshRoot();
  const ffs = createFaultyFileSystem(nodeFileSystem);
  const store = await openStore({ root, fs: ffs });
  ffs.inject({ kind: '*', nth: k, errno: 'EIO', mode: 'always' });
  let acked = false;
  try {
    await txBody(store);
    acked = true;
  } catch {
    // The interruption.
  }
  await store.close();
  return { root, acked };
};

const checkRecovered = async (root: string, acked: boolean): Promise<Store> => {
  const store = await openStore({ root });
  const state = contents(root);
  if (acked) expect(state).toEqual(newState);
  else expect([JSON.stringify(oldState), JSON.stringify(newState)]).toContain(JSON.stringify(state));
  if (JSON.stringify(state) === JSON.stringify(oldState)) expect(fs.existsSync(path.join(root, 'sub'))).toBe(false);
  const status = await store.status();
  expect(status.openTransactions).toEqual([]);
  expect(status.locks).toEqual([]);
  for (const rec of await listAllBackupRecords(storeContextOf(store).env)) {
    const bytes = fs.readFileSync(path.join(root, '.txfs', 'backups', rec.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(rec.sha256);
  }
  return store;
};

const callsOfOneCommit = async (): Promise<number> => {
  const root = freshRoot();
  const ffs = createFaultyFileSystem(nodeFileSystem);
  const store = await openStore({ root, fs: ffs });
  const before = ffs.trace.length;
  await txBody(store);
  await store.close();
  return ffs.trace.length - before;
};

describe('recovery after an interruption at every file-system call of a commit', () => {
  it('leaves every transaction all-or-nothing, acknowledged ones complete, no temp, no lock, no open record', async () => {
    const calls = await callsOfOneCommit();
    expect(calls).toBeGreaterThan(20);
    const outcomes = new Set<string>();
    for (let k = 1; k <= calls + 1; k++) {
      const { root, acked } = await interrupted(k);
      const store = await checkRecovered(root, acked);
      const r = store.recovery;
      outcomes.add(r.rolledForward.length > 0 ? 'forward' : r.rolledBack.length > 0 ? 'back' : acked ? 'acked' : 'clean');
      expect(r.problems, `interrupted at call ${k}`).toEqual([]);
      expect(fs.readdirSync(root).filter((f) => f.endsWith('.txfs-tmp'))).toEqual([]);
      await store.close();
    }
    expect([...outcomes].sort()).toEqual(['acked', 'back', 'clean', 'forward']);
  });

  it('does the same when the transaction keeps no backups (they only protect it, and go once it is finished)', async () => {
    keepBackups = false;
    try {
      const calls = await callsOfOneCommit();
      for (let k = 1; k <= calls + 1; k++) {
        const { root, acked } = await interrupted(k);
        const store = await checkRecovered(root, acked);
        expect(store.recovery.problems, `interrupted at call ${k}`).toEqual([]);
        // Only the deleted file's backup is kept (a deletion always goes to the backup store), and only once it committed.
        const left = fs.readdirSync(path.join(root, '.txfs', 'backups'));
        expect(left.length, `interrupted at call ${k}: ${left.join(', ')}`).toBe(contents(root)['c.txt'] === undefined ? 0 : 1);
        await store.close();
      }
    } finally {
      keepBackups = true;
    }
  });

  it('is idempotent: a recovery interrupted at any call, then run again, ends the same way', async () => {
    const calls = await callsOfOneCommit();
    // Interruptions after the commit point leave work for recovery; take a few of them.
    for (const k of [Math.floor(calls * 0.7), Math.floor(calls * 0.8), Math.floor(calls * 0.9)]) {
      const { root: reference } = await interrupted(k);
      const ref = await openStore({ root: reference });
      const want = contents(reference);
      const recoveryCalls = ref.recovery.rolledForward.length + ref.recovery.rolledBack.length;
      await ref.close();
      if (recoveryCalls === 0) continue;
      for (let j = 1; j <= 30; j += 2) {
        const { root } = await interrupted(k);
        const ffs = createFaultyFileSystem(nodeFileSystem, [{ kind: '*', nth: j, errno: 'EIO', mode: 'always' }]);
        await openStore({ root, fs: ffs }).then((s) => s.close(), () => undefined);
        const store = await checkRecovered(root, false);
        expect(contents(root), `recovery interrupted at call ${j}`).toEqual(want);
        await store.close();
      }
    }
  });
});
