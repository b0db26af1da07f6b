/**
 * Renames on Windows: an antivirus scanner or indexer holding the file makes rename fail with EPERM, EACCES or EBUSY
 * for a moment; under win32's rules (the fault injector says `platform: 'win32'`) the write tries again with a bounded
 * backoff and lands, async and sync, through writeFileAtomic and the compat entries; under POSIX rules the same error
 * fails at once. The schedule itself: 10 ms doubling to 500 ms, within a 10 s budget, only for those three errors.
 */
import * as fs from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { atomicallyOn } from '../../../src/compat/atomicallyOn.js';
import { writeFileAtomicOn } from '../../../src/compat/writeFileAtomicOn.js';
import { errnoError, fromOsError } from '../../../src/errors.js';
import { nodeFileSystem, nodeSyncFileSystem } from '../../../src/fs/node.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { writeFileAtomicSyncWith } from '../../../src/ops/atomicWriteSync.js';
import { RENAME_RETRY_BUDGET_MS, renameRetryDelay } from '../../../src/ops/renameRetry.js';
import { isTempName } from '../../../src/ops/tempName.js';
import { createFaultyFileSystem, type Fault } from '../../../src/testing/faultyFileSystem.js';
import { faultySync } from '../../compat/faultySync.js';
import { caseDirs } from './caseDirs.js';

const cases = caseDirs();
const { at } = cases;
const osError = (code: string): unknown => fromOsError(errnoError(code, 'rename', '/x'), '/x', 'rename');
// Two faults on the first call each: the first fires on the first rename, the second (which never saw it) on the next.
const heldTwice = (errno: string): Fault[] => [
  { kind: 'rename', nth: 1, errno },
  { kind: 'rename', nth: 1, errno },
];
const renames = (trace: ReadonlyArray<{ kind: string }>): number => trace.filter((c) => c.kind === 'rename').length;
const temps = (): string[] => fs.readdirSync(cases.dir).filter(isTempName);

describe('the retry schedule', () => {
  test.prop([fc.constantFrom('EPERM', 'EACCES', 'EBUSY'), fc.integer({ min: 0, max: 200 })])('on win32 a transient error waits 10 ms doubling up to 500, and never past the budget', (code, attempt) => {
    const d = renameRetryDelay('win32', osError(code), attempt, 0);
    expect(d).toBe(Math.min(10 * 2 ** Math.min(attempt, 16), 500));
    expect(renameRetryDelay('win32', osError(code), attempt, RENAME_RETRY_BUDGET_MS)).toBeUndefined();
    expect(renameRetryDelay('win32', osError(code), attempt, RENAME_RETRY_BUDGET_MS - 3)).toBe(Math.min(d ?? 0, 3));
  });

  test.prop([fc.constantFrom('linux', 'darwin', undefined), fc.constantFrom('EPERM', 'EACCES', 'EBUSY', 'ENOENT', 'EXDEV', 'EIO')])('elsewhere, and for any other error, it is never retried', (platform, code) => {
    expect(renameRetryDelay(platform, osError(code), 0, 0)).toBeUndefined();
    if (!['EPERM', 'EACCES', 'EBUSY'].includes(code)) expect(renameRetryDelay('win32', osError(code), 0, 0)).toBeUndefined();
  });

  it('adds up to the budget: a rename held for good is given up after a bounded number of tries', () => {
    let waited = 0;
    let tries = 0;
    for (let d = renameRetryDelay('win32', osError('EBUSY'), 0, 0); d !== undefined; d = renameRetryDelay('win32', osError('EBUSY'), tries, waited)) {
      waited += d;
      tries++;
    }
    expect(waited).toBe(RENAME_RETRY_BUDGET_MS);
    expect(tries).toBeLessThan(40);
  });
});

describe('a rename held by another program for two tries', () => {
  for (const errno of ['EPERM', 'EACCES', 'EBUSY']) {
    it(`${errno} under win32's rules: tried again, written on the third try, no temp left`, async () => {
      fs.writeFileSync(at('a.json'), 'old');
      const afs = createFaultyFileSystem(nodeFileSystem, heldTwice(errno), { platform: 'win32' });
      await writeFileAtomicWith(afs, at('a.json'), 'new');
      expect(renames(afs.trace)).toBe(3);
      expect(fs.readFileSync(at('a.json'), 'utf8')).toBe('new');
      expect(temps()).toEqual([]);
    });
  }

  it('EPERM under POSIX rules: fails at once, the target as it was, no temp left', async () => {
    fs.writeFileSync(at('a.json'), 'old');
    const afs = createFaultyFileSystem(nodeFileSystem, heldTwice('EPERM'), { platform: 'linux' });
    await expect(writeFileAtomicWith(afs, at('a.json'), 'new')).rejects.toMatchObject({ code: 'EPERM', path: at('a.json') });
    expect(renames(afs.trace)).toBe(1);
    expect(fs.readFileSync(at('a.json'), 'utf8')).toBe('old');
    expect(temps()).toEqual([]);
  });

  it('the synchronous write and both forms of the write-file-atomic entry retry the same way under win32', async () => {
    const sfs = faultySync(nodeSyncFileSystem, { platform: 'win32' });
    sfs.inject({ kind: 'rename', errno: 'EBUSY', times: 2 });
    writeFileAtomicSyncWith(sfs, at('s.json'), 'sync');
    expect(sfs.trace.filter((c) => c.kind === 'rename')).toHaveLength(3);
    const posix = faultySync(nodeSyncFileSystem, { platform: 'linux' });
    posix.inject({ kind: 'rename', errno: 'EBUSY', times: 2 });
    expect(() => writeFileAtomicSyncWith(posix, at('p.json'), 'x')).toThrow(expect.objectContaining({ code: 'EBUSY' }) as Error);
    const afs = createFaultyFileSystem(nodeFileSystem, heldTwice('EACCES'), { platform: 'win32' });
    const wsfs = faultySync(nodeSyncFileSystem, { platform: 'win32' });
    wsfs.inject({ kind: 'rename', errno: 'EPERM', times: 2 });
    const wfa = writeFileAtomicOn({ fs: afs, syncFs: wsfs });
    await wfa(at('c.json'), 'compat');
    wfa.sync(at('d.json'), 'compat sync');
    expect([renames(afs.trace), renames(wsfs.trace)]).toEqual([3, 3]);
    expect(['s.json', 'c.json', 'd.json'].map((f) => fs.readFileSync(at(f), 'utf8'))).toEqual(['sync', 'compat', 'compat sync']);
    expect(temps()).toEqual([]);
  });

  it("atomically's timeout is the one retry of its renames on win32: timeout 0 tries once, the default retries and lands", async () => {
    const held = createFaultyFileSystem(nodeFileSystem, [{ kind: 'rename', nth: 1, errno: 'EPERM', mode: 'always' }], { platform: 'win32' });
    await expect(atomicallyOn({ fs: held, syncFs: nodeSyncFileSystem }).writeFile(at('t0.json'), 'x', { timeout: 0 })).rejects.toMatchObject({ code: 'EPERM' });
    expect(renames(held.trace)).toBe(1);
    const twice = createFaultyFileSystem(nodeFileSystem, heldTwice('EBUSY'), { platform: 'win32' });
    await atomicallyOn({ fs: twice, syncFs: nodeSyncFileSystem }).writeFile(at('t1.json'), 'x');
    expect(renames(twice.trace)).toBe(3);
    expect(temps()).toEqual([]);
  });

  it('a rename held for good under win32 is given up once the budget is spent, with the last error', async () => {
    fs.writeFileSync(at('a.json'), 'old');
    const afs = createFaultyFileSystem(nodeFileSystem, [{ kind: 'rename', nth: 1, errno: 'EBUSY', mode: 'always' }], { platform: 'win32' });
    await expect(writeFileAtomicWith(afs, at('a.json'), 'new')).rejects.toMatchObject({ code: 'EBUSY' });
    let tries = 1;
    for (let waited = 0, d = renameRetryDelay('win32', osError('EBUSY'), 0, 0); d !== undefined; d = renameRetryDelay('win32', osError('EBUSY'), tries - 1, waited)) {
      waited += d;
      tries++;
    }
    expect(renames(afs.trace)).toBe(tries);
    expect(fs.readFileSync(at('a.json'), 'utf8')).toBe('old');
    expect(temps()).toEqual([]);
  });
});
