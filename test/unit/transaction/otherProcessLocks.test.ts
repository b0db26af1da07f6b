/**
 * Locks held by another process: alive while that process runs with the recorded start time; stale (broken by the
 * next waiter) once its pid is gone, reused by another process (start time differs) or a zombie; and, where
 * `/proc` cannot tell, alive as long as the pid exists and no start time was recorded.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../../src/env.js';
import { errnoError, fromOsError } from '../../../src/errors.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { encodeRecord } from '../../../src/journal/envelope.js';
import { osProcesses, parseProcStat } from '../../../src/transaction/liveness.js';
import { acquireLocks, listLocks } from '../../../src/transaction/locks.js';
import { LockRecord, lockKey } from '../../../src/journal/records/lockRecord.js';
import { mapJournal } from './mapJournal.js';

/** pid 1 always exists; its real start time from /proc. */
const INIT = 1;
const initStart = parseProcStat(fs.readFileSync(`/proc/${INIT}/stat`, 'utf8')).startTime;
/** A pid no process has (above the kernel's pid_max). */
const NO_SUCH_PID = 2 ** 22 + 1;

/** A file system whose `/proc/<pid>/stat` reads (other than this process's) answer `line`, or fail with `errno`. */
const procAnswering = (answer: { line: string } | { errno: 'ENOENT' | 'EACCES' }): FileSystem => ({
  ...nodeFileSystem,
  readFile: async (p) => {
    const m = /^\/proc\/(\d+)\/stat$/.exec(p);
    if (m === null) return nodeFileSystem.readFile(p);
    if (Number(m[1]) === process.pid) return nodeFileSystem.readFile(p);
    if ('errno' in answer) throw fromOsError(errnoError(answer.errno, 'open', p), p, 'open');
    return Buffer.from(answer.line);
  },
});

const envOn = (fsys: FileSystem = nodeFileSystem): Env => ({ fs: fsys, journal: mapJournal(), now: () => 1_700_000_000_000, newId: () => 'id', processes: osProcesses(fsys) });

/** Puts a lock on `path` as another process would have written it. */
const foreignLock = async (env: Env, path: string, holder: Omit<LockRecord, 'since' | 'label'>): Promise<void> => {
  const rec: LockRecord = { ...holder, label: 'other writer', since: 1_600_000_000_000 };
  await env.journal.put(lockKey(path), encodeRecord(lockKey(path), LockRecord, rec));
};

const me = { txId: 'mine', label: '' };

describe('a lock held by another process', () => {
  it('is alive while the holder runs with the recorded start time: the waiter gets ELOCKED naming it, the lock stays', async () => {
    const env = envOn();
    await foreignLock(env, 'a.txt', { txId: 'theirs', pid: INIT, procStart: initStart });
    expect((await listLocks(env)).map((l) => [l.path, l.txId, l.stale])).toEqual([['a.txt', 'theirs', false]]);
    const err = await acquireLocks(env, ['a.txt'], me, { timeoutMs: 15 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ELOCKED', path: 'a.txt', holder: `pid ${INIT} (other writer) since ${new Date(1_600_000_000_000).toISOString()}` });
    expect((await listLocks(env)).map((l) => l.txId)).toEqual(['theirs']);
  });

  it.each([
    ['its pid was reused by another process (start time differs)', { pid: INIT, procStart: '1' }],
    ['its pid no longer exists', { pid: NO_SUCH_PID, procStart: '12345' }],
    ['its pid is not a valid pid', { pid: -5, procStart: null }],
  ])('is stale when %s: listed as stale, and the waiter breaks it and takes the path', async (_what, holder) => {
    const env = envOn();
    await foreignLock(env, 'a.txt', { txId: 'theirs', ...holder });
    expect((await listLocks(env)).map((l) => l.stale)).toEqual([true]);
    await acquireLocks(env, ['a.txt'], me, { timeoutMs: 0 });
    expect((await listLocks(env)).map((l) => [l.path, l.txId, l.stale])).toEqual([['a.txt', 'mine', false]]);
  });

  it('is stale when the holder is a zombie (killed, not yet reaped)', async () => {
    const fsys = procAnswering({ line: `${INIT} (some name) Z 0 ${Array.from({ length: 18 }, () => '0').join(' ')} ${initStart} 0 0` });
    expect(await osProcesses(fsys).isAlive({ txId: 'theirs', pid: INIT, procStart: initStart })).toBe(false);
    expect(await osProcesses(fsys).isAlive({ txId: 'theirs', pid: INIT, procStart: null })).toBe(false);
  });

  it('without /proc: alive iff no start time was recorded and the pid exists', async () => {
    const fsys = procAnswering({ errno: 'ENOENT' });
    expect(await osProcesses(fsys).isAlive({ txId: 'theirs', pid: INIT, procStart: null })).toBe(true);
    expect(await osProcesses(fsys).isAlive({ txId: 'theirs', pid: INIT, procStart: initStart })).toBe(false);
    expect(await osProcesses(fsys).isAlive({ txId: 'theirs', pid: NO_SUCH_PID, procStart: null })).toBe(false);
  });

  it('a /proc read failing otherwise than ENOENT is an error, not a verdict', async () => {
    const fsys = procAnswering({ errno: 'EACCES' });
    await expect(osProcesses(fsys).isAlive({ txId: 'theirs', pid: INIT, procStart: initStart })).rejects.toMatchObject({ code: 'EACCES' });
  });

  it('a /proc line in another format is a TypeError', () => {
    expect(() => parseProcStat('garbage')).toThrow(TypeError);
    expect(parseProcStat(`7 (a) b) c) S ${Array.from({ length: 18 }, (_, i) => String(i)).join(' ')} 999 1`)).toEqual({ state: 'S', startTime: '999' });
  });
});

describe('acquireLocks corner cases', () => {
  it('no paths: nothing is written and nothing is waited for', async () => {
    const env = envOn();
    await acquireLocks(env, [], me, { timeoutMs: 0 });
    expect(await listLocks(env)).toEqual([]);
  });

  it('an owner of another pid takes locks as that pid (not marked running here: its locks read as stale once it is gone)', async () => {
    const env = { ...envOn(), processes: { ...osProcesses(nodeFileSystem), pid: NO_SUCH_PID } };
    await acquireLocks(env, ['x'], { txId: 'remote', label: 'remote' }, { timeoutMs: 0 });
    expect((await listLocks(env)).map((l) => [l.path, l.pid, l.stale])).toEqual([['x', NO_SUCH_PID, true]]);
  });
});
