import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../../../src/env.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openLmdbJournal, type LmdbJournal } from '../../../src/journal/lmdb.js';
import { encodeRecord } from '../../../src/journal/envelope.js';
import { osProcesses, parseProcStat, readProcessStat } from '../../../src/transaction/liveness.js';
import { acquireLocks, breakStaleLocks, describeHolder, listLocks, lockOwner, releaseLocks } from '../../../src/transaction/locks.js';
import { LockRecord, lockKey } from '../../../src/journal/records/lockRecord.js';

/** Above Linux's largest pid_max (2^22): kill(pid, 0) always answers ESRCH. */
const deadPid = 4_194_305;
const at = Date.UTC(2026, 0, 2, 3, 4, 5);

describe('locks', () => {
  let dir: string;
  let journal: LmdbJournal;
  let env: Env;
  let ids = 0;
  const newTx = (label = ''): ReturnType<typeof lockOwner> => lockOwner(`T${++ids}`, label);
  const plant = (p: string, lock: LockRecord): Promise<void> => journal.put(lockKey(p), encodeRecord(lockKey(p), LockRecord, lock));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    journal = await openLmdbJournal(path.join(dir, 'journal'));
    env = { fs: nodeFileSystem, journal, now: () => at, newId: () => `id${++ids}`, processes: osProcesses(nodeFileSystem) };
  });
  afterEach(async () => {
    await journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes free locks and lists them with their holder', async () => {
    const a = newTx('export');
    await acquireLocks(env, ['b.txt', 'a.txt', 'a.txt'], a, { timeoutMs: 0 });
    const locks = await listLocks(env);
    expect(locks.map((l) => l.path)).toEqual(['a.txt', 'b.txt']);
    const procStart = (await readProcessStat(nodeFileSystem, process.pid))?.startTime;
    expect(locks[0]).toEqual({ path: 'a.txt', txId: a.txId, pid: process.pid, procStart, label: 'export', since: at, stale: false });
    env.processes.markDone(a.txId);
  });

  it('takes all or none: a partly held set leaves the free paths unlocked, and names the holder', async () => {
    const a = newTx('first');
    const b = newTx();
    await acquireLocks(env, ['x'], a, { timeoutMs: 0 });
    const err = await acquireLocks(env, ['free', 'x'], b, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ELOCKED', path: 'x', holder: `pid ${process.pid} (first) since 2026-01-02T03:04:05.000Z` });
    expect((err as Error).message).toContain(`pid ${process.pid} (first)`);
    expect((await listLocks(env)).map((l) => [l.path, l.txId])).toEqual([['x', a.txId]]);
    env.processes.markDone(a.txId);
    env.processes.markDone(b.txId);
  });

  it('lets a transaction re-take the locks it holds', async () => {
    const a = newTx();
    await acquireLocks(env, ['p', 'q'], a, { timeoutMs: 0 });
    await acquireLocks(env, ['q', 'r'], a, { timeoutMs: 0 });
    expect((await listLocks(env)).map((l) => l.path)).toEqual(['p', 'q', 'r']);
    env.processes.markDone(a.txId);
  });

  it('waits for a holder that releases, then takes the lock', async () => {
    const a = newTx();
    const b = newTx();
    await acquireLocks(env, ['w'], a, { timeoutMs: 0 });
    const waiting = acquireLocks(env, ['w'], b, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 20));
    expect(await releaseLocks(env, a.txId, ['w'])).toBe(1);
    await waiting;
    expect((await listLocks(env)).map((l) => l.txId)).toEqual([b.txId]);
    env.processes.markDone(a.txId);
    env.processes.markDone(b.txId);
  });

  it('breaks the lock of a transaction of this process that is no longer running', async () => {
    const a = newTx();
    await acquireLocks(env, ['s'], a, { timeoutMs: 0 });
    env.processes.markDone(a.txId);
    expect((await listLocks(env))[0]?.stale).toBe(true);
    const b = newTx();
    await acquireLocks(env, ['s'], b, { timeoutMs: 0 });
    expect((await listLocks(env)).map((l) => l.txId)).toEqual([b.txId]);
    env.processes.markDone(b.txId);
  });

  it('breaks the lock of a process that does not exist, or whose pid was reused by a younger process', async () => {
    await plant('gone', { txId: 'X1', pid: deadPid, procStart: '1', label: 'old', since: at });
    const init = await readProcessStat(nodeFileSystem, 1);
    expect(init).toBeDefined();
    await plant('reused', { txId: 'X2', pid: 1, procStart: `${init?.startTime ?? ''}0`, label: 'old', since: at });
    const b = newTx();
    await acquireLocks(env, ['gone', 'reused'], b, { timeoutMs: 0 });
    expect((await listLocks(env)).map((l) => l.txId)).toEqual([b.txId, b.txId]);
    env.processes.markDone(b.txId);
  });

  it('respects a live process of another pid until the timeout', async () => {
    const init = await readProcessStat(nodeFileSystem, 1);
    await plant('busy', { txId: 'X3', pid: 1, procStart: init?.startTime ?? null, label: 'daemon', since: at });
    const b = newTx();
    await expect(acquireLocks(env, ['busy'], b, { timeoutMs: 30 })).rejects.toMatchObject({
      code: 'ELOCKED',
      holder: 'pid 1 (daemon) since 2026-01-02T03:04:05.000Z',
    });
    env.processes.markDone(b.txId);
  });

  it('breakStaleLocks breaks every stale lock, keeps the live ones, and counts', async () => {
    const live = newTx();
    await acquireLocks(env, ['live'], live, { timeoutMs: 0 });
    await plant('d1', { txId: 'X4', pid: deadPid, procStart: null, label: '', since: at });
    await plant('d2', { txId: 'X4', pid: deadPid, procStart: null, label: '', since: at });
    const done = newTx();
    await acquireLocks(env, ['d3'], done, { timeoutMs: 0 });
    env.processes.markDone(done.txId);
    expect(await breakStaleLocks(env)).toBe(3);
    expect(await breakStaleLocks(env)).toBe(0);
    expect((await listLocks(env)).map((l) => l.path)).toEqual(['live']);
    env.processes.markDone(live.txId);
  });

  it('stops waiting when the signal fires, with EABORTED', async () => {
    const a = newTx();
    const b = newTx();
    await acquireLocks(env, ['z'], a, { timeoutMs: 0 });
    const ac = new AbortController();
    const waiting = acquireLocks(env, ['z'], b, { timeoutMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    await expect(waiting).rejects.toMatchObject({ code: 'EABORTED' });
    await expect(acquireLocks(env, ['free'], b, { timeoutMs: 0, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'EABORTED' });
    expect((await listLocks(env)).map((l) => l.txId)).toEqual([a.txId]);
    env.processes.markDone(a.txId);
    env.processes.markDone(b.txId);
  });

  it('releases only the locks of the given transaction', async () => {
    const a = newTx();
    const b = newTx();
    await acquireLocks(env, ['a1', 'a2', 'a3'], a, { timeoutMs: 0 });
    await acquireLocks(env, ['b1'], b, { timeoutMs: 0 });
    expect(await releaseLocks(env, a.txId, ['a1', 'b1'])).toBe(1);
    expect(await releaseLocks(env, a.txId)).toBe(2);
    expect((await listLocks(env)).map((l) => l.path)).toEqual(['b1']);
    env.processes.markDone(a.txId);
    env.processes.markDone(b.txId);
  });

  it('refuses a damaged lock record with EJOURNAL rather than guessing', async () => {
    await journal.put(lockKey('bad'), { v: 1, sum: '0', body: '{}' });
    const b = newTx();
    await expect(acquireLocks(env, ['bad'], b, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'EJOURNAL', key: 'lock/bad' });
    await expect(listLocks(env)).rejects.toMatchObject({ code: 'EJOURNAL' });
    env.processes.markDone(b.txId);
  });

  it('never lets two concurrent transactions hold the same path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uniqueArray(fc.constantFrom('p', 'q', 'r', 's'), { minLength: 1 }), { minLength: 2, maxLength: 8 }), async (sets) => {
        const held = new Set<string>();
        await Promise.all(
          sets.map(async (set) => {
            const owner = newTx();
            await acquireLocks(env, set, owner, { timeoutMs: 30_000 });
            for (const p of set) {
              expect(held.has(p)).toBe(false);
              held.add(p);
            }
            await new Promise((r) => setTimeout(r, 1));
            for (const p of set) held.delete(p);
            await releaseLocks(env, owner.txId, set);
            env.processes.markDone(owner.txId);
          }),
        );
        expect(await listLocks(env)).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });
});

describe('liveness', () => {
  it('parses /proc/<pid>/stat whatever the command name holds', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('R', 'S', 'Z'), fc.bigInt({ min: 0n, max: 2n ** 63n }), (comm, state, start) => {
        const fields = Array.from({ length: 52 }, (_, i) => String(i + 1));
        fields[2] = state;
        fields[21] = String(start);
        const line = `1234 (${comm}) ${fields.slice(2).join(' ')}\n`;
        expect(parseProcStat(line)).toEqual({ state, startTime: String(start) });
      }),
    );
    expect(() => parseProcStat('garbage')).toThrow(TypeError);
  });

  it('tells the running transactions of this process from the finished ones', async () => {
    osProcesses(nodeFileSystem).markRunning('L1');
    expect(await osProcesses(nodeFileSystem).isAlive({ txId: 'L1', pid: process.pid, procStart: null })).toBe(true);
    osProcesses(nodeFileSystem).markDone('L1');
    expect(await osProcesses(nodeFileSystem).isAlive({ txId: 'L1', pid: process.pid, procStart: null })).toBe(false);
  });

  it('reads this process as running, and a pid that cannot exist as absent', async () => {
    expect((await readProcessStat(nodeFileSystem, process.pid))?.state).toMatch(/^[RS]$/);
    expect(await readProcessStat(nodeFileSystem, deadPid)).toBeUndefined();
    expect(await osProcesses(nodeFileSystem).isAlive({ txId: 'L2', pid: deadPid, procStart: null })).toBe(false);
  });

  it('reads a killed but not yet reaped (zombie) process as gone', async () => {
    // The background sleep exits at once; its parent (now `sleep 30`) never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      let stat = await readProcessStat(nodeFileSystem, pid);
      while (stat?.state !== 'Z') {
        await new Promise((r) => setTimeout(r, 5));
        stat = await readProcessStat(nodeFileSystem, pid);
      }
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(await osProcesses(nodeFileSystem).isAlive({ txId: 'L3', pid, procStart: stat.startTime })).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('describes a holder by pid, label and time', () => {
    expect(describeHolder({ txId: 'T', pid: 7, procStart: null, label: '', since: at })).toBe('pid 7 since 2026-01-02T03:04:05.000Z');
  });
});
