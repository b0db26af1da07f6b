import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../../src/env.js';
import { nodeFileSystem } from '../../src/fs/node.js';
import { openLmdbJournal, type LmdbJournal } from '../../src/journal/lmdb.js';
import { acquireLocks, breakStaleLocks, listLocks, lockOwner } from '../../src/transaction/locks.js';
import { spawnChild, type Child } from './children/spawnChild.js';
import { osProcesses } from '../../src/transaction/liveness.js';

describe('locks held by another process', () => {
  let dir: string;
  let journal: LmdbJournal;
  let env: Env;
  let child: Child | undefined;
  let n = 0;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    journal = await openLmdbJournal(path.join(dir, 'journal'));
    env = { fs: nodeFileSystem, journal, now: Date.now, newId: () => `P${++n}`, processes: osProcesses(nodeFileSystem) };
  });
  afterEach(async () => {
    await child?.kill();
    child = undefined;
    await journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const startHolder = async (label: string, ...paths: string[]): Promise<Child> => {
    child = spawnChild('lockHolder.ts', [path.join(dir, 'journal'), label, ...paths]);
    await child.waitForLine((l) => l.startsWith('locked '));
    return child;
  };

  it('fails with ELOCKED naming the live holder process once the timeout passes', async () => {
    const holder = await startHolder('nightly export', 'report.xml', 'data.csv');
    const owner = lockOwner('P-live', 'ui');
    const err = await acquireLocks(env, ['data.csv', 'other.txt'], owner, { timeoutMs: 100 }).catch((e: unknown) => e);
    env.processes.markDone(owner.txId);
    expect(err).toMatchObject({ code: 'ELOCKED', path: 'data.csv' });
    expect((err as { holder: string }).holder).toMatch(new RegExp(`^pid ${holder.pid} \\(nightly export\\) since \\d{4}-\\d\\d-\\d\\dT`));
    const locks = await listLocks(env);
    expect(locks.map((l) => [l.path, l.pid, l.stale])).toEqual([
      ['data.csv', holder.pid, false],
      ['report.xml', holder.pid, false],
    ]);
    expect(await breakStaleLocks(env)).toBe(0);
  });

  it('breaks the locks of a holder killed with SIGKILL and takes them', async () => {
    const holder = await startHolder('doomed', 'a.json', 'b.json');
    await holder.kill();
    expect((await listLocks(env)).map((l) => [l.path, l.pid, l.stale])).toEqual([
      ['a.json', holder.pid, true],
      ['b.json', holder.pid, true],
    ]);
    const owner = lockOwner('P-after', 'survivor');
    await acquireLocks(env, ['b.json'], owner, { timeoutMs: 5_000 });
    expect((await listLocks(env)).map((l) => [l.path, l.txId])).toEqual([
      ['a.json', `child-${holder.pid}`],
      ['b.json', 'P-after'],
    ]);
    // Recovery's sweep takes the rest.
    expect(await breakStaleLocks(env)).toBe(1);
    expect((await listLocks(env)).map((l) => l.path)).toEqual(['b.json']);
    env.processes.markDone(owner.txId);
  });

  it('breaks the lock of a holder killed while a waiter was already waiting for it', async () => {
    const holder = await startHolder('slow', 'c.txt');
    const owner = lockOwner('P-waiter');
    const waiting = acquireLocks(env, ['c.txt'], owner, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 50));
    await holder.kill();
    await waiting;
    expect((await listLocks(env)).map((l) => l.txId)).toEqual(['P-waiter']);
    env.processes.markDone(owner.txId);
  });
});
