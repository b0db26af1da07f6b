/**
 * atomically's test/basic.cjs, ported to the compat entry. Its expectations shared with write-file-atomic's basic.js
 * (open, write, chown, chmod, fsync and rename failures, the chown refusals) are the cases of
 * writeFileAtomic.basic.test.ts, which run through the same engine; here is what atomically adds: streams as data,
 * options left untouched, `schedule`, `tmpCreate` / `tmpCreated` / `tmpPurge`, missing parent folders, long names, the
 * "unstable" file system whose calls fail with EMFILE, ENFILE, EAGAIN, EBUSY, EACCES or EPERM (retried until `timeout`),
 * `fsyncWait`, `mkdir`, and `readFile` / `readFileSync`. Real faults where root can produce them (an immutable target
 * for the rename); the fault injector for the unstable calls. "(txfs: …)" marks what txfs changes on purpose.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readFile, readFileSync, writeFile, writeFileSync } from '../../src/compat/atomically.js';
import { atomicallyOn } from '../../src/compat/atomicallyOn.js';
import { errnoError, fromOsError } from '../../src/errors.js';
import { nodeFileSystem, nodeSyncFileSystem } from '../../src/fs/node.js';
import { createFaultyFileSystem, type Fault } from '../../src/testing/faultyFileSystem.js';
import { caseDirs } from '../unit/ops/caseDirs.js';
import { faultySync, type SyncFault } from './faultySync.js';
import { chattrWorks, thrown, immutable, tempsIn } from './support.js';

const cases = caseDirs();
const { at } = cases;

/** atomically over the fault injector and its synchronous twin. */
const unstable = (faults: readonly Fault[], syncFaults: readonly SyncFault[] = []): ReturnType<typeof atomicallyOn> & { calls: () => string[] } => {
  const afs = createFaultyFileSystem(nodeFileSystem, faults);
  const sfs = faultySync(nodeSyncFileSystem);
  for (const f of syncFaults) sfs.inject(f);
  return { ...atomicallyOn({ fs: afs, syncFs: sfs }), calls: () => [...afs.trace.map((c) => c.kind), ...sfs.trace.map((c) => c.kind)] };
};
const customTemp = (p: string): string => path.join(path.dirname(p), `.${path.basename(p)}.custom`);

describe('async tests', () => {
  it('no errors with options ({ mode: "0777" }), an encoding string, undefined, or a callback instead', async () => {
    await writeFile(at('good'), 'test', { mode: '0777' });
    expect(fs.statSync(at('good')).mode & 0o777).toBe(0o777);
    await writeFile(at('good'), 'test', 'utf8');
    await writeFile(at('good'), 'test', undefined);
    expect(await new Promise((resolve) => void writeFile(at('good'), 'test', resolve))).toBeUndefined();
  });

  it('a readable stream as data', async () => {
    const stream = new Readable({ read() {} });
    stream.push('te');
    stream.push('st');
    stream.push(null);
    await writeFile(at('good'), stream);
    expect(fs.readFileSync(at('good'), 'utf8')).toBe('test');
  });

  it('the options object is left untouched (nothing copied into it from the replaced file)', async () => {
    fs.writeFileSync(at('statful'), 'old');
    const options = {};
    await writeFile(at('statful'), 'test', options);
    writeFileSync(at('statful'), 'test', options);
    expect(options).toEqual({});
  });

  it('schedule is awaited with the path as given, and its disposer called once the write has ended', async () => {
    const events: string[] = [];
    const schedule = async (filePath: string): Promise<() => void> => {
      events.push(`schedule ${path.basename(filePath)}`);
      return () => void events.push(`dispose, written: ${fs.readFileSync(at('good'), 'utf8')}`);
    };
    await writeFile(at('good'), 'test', { schedule });
    expect(events).toEqual(['schedule good', 'dispose, written: test']);
  });

  it('tmpCreate chooses the temp file and tmpCreated is told it (txfs: tmpCreate gets the absolute path)', async () => {
    const told: string[] = [];
    await writeFile(at('good'), 'test', { tmpCreate: customTemp, tmpCreated: (p: string) => void told.push(p) });
    expect(told).toEqual([at('.good.custom')]);
    expect(fs.readdirSync(cases.dir)).toEqual(['good']);
  });

  it('(txfs: a tmpCreate path outside the file\'s directory is EINVAL: the rename would not be atomic)', async () => {
    await expect(writeFile(at('good'), 'test', { tmpCreate: () => '/tmp/elsewhere.tmp' })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(fs.existsSync(at('good'))).toBe(false);
  });

  it('(txfs: a 305-byte name is ENAMETOOLONG, where atomically writes to a shorter, different name)', async () => {
    const long = at(`.${'0123456789'.repeat(30)}.txt`);
    await expect(writeFile(long, 'test')).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
    expect(() => writeFileSync(long, 'test')).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }) as Error);
    expect(fs.readdirSync(cases.dir)).toEqual([]);
  });

  it('missing parent folders are created (mkdir, default true); with mkdir: false a missing one is ENOENT naming it', async () => {
    const deep = at(path.join(String(Math.random()), String(Math.random()), 'foo.txt'));
    await writeFile(deep, 'test');
    expect(fs.readFileSync(deep, 'utf8')).toBe('test');
    const deeper = at(path.join('a', 'b', 'foo.txt'));
    writeFileSync(deeper, 'test');
    expect(fs.readFileSync(deeper, 'utf8')).toBe('test');
    await expect(writeFile(at(path.join('none', 'foo.txt')), 'test', { mkdir: false })).rejects.toMatchObject({ code: 'ENOENT', path: at('none') });
  });

  it('(txfs: fsyncWait: false still waits: the fdatasync comes before the rename)', async () => {
    const u = unstable([]);
    await u.writeFile(at('good'), 'test', { fsyncWait: false });
    const calls = u.calls();
    expect(calls.indexOf('datasync')).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('datasync')).toBeLessThan(calls.indexOf('rename'));
  });

  it('fsync skipped if options.fsync is false (file and directory)', async () => {
    const u = unstable([]);
    await u.writeFile(at('good'), 'test', { fsync: false });
    expect(u.calls().filter((c) => ['sync', 'datasync', 'syncDir'].includes(c))).toEqual([]);
  });
});

describe('unstable async tests (open, write and rename failing with EMFILE, ENFILE, EAGAIN, EBUSY, EACCES, EPERM, injected)', () => {
  const flaky: Fault[] = [
    { kind: 'open', nth: 1, errno: 'EMFILE', pathIncludes: '.txfs-tmp' },
    { kind: 'open', nth: 2, errno: 'EAGAIN', pathIncludes: '.txfs-tmp' },
    { kind: 'write', nth: 1, errno: 'EBUSY' },
    { kind: 'rename', nth: 1, errno: 'EACCES' },
    { kind: 'rename', nth: 2, errno: 'EPERM' },
    { kind: 'readFile', nth: 1, errno: 'ENFILE' },
  ];

  it('no errors occur when retryable errors are thrown', async () => {
    const u = unstable(flaky);
    await u.writeFile(at('good'), 'test');
    expect(await u.readFile(at('good'), 'utf8')).toBe('test');
  });

  it('retrying can be disabled (timeout: 0): the first error is the answer, and no temp is left', async () => {
    const u = unstable(flaky);
    await expect(u.writeFile(at('good'), 'test', { timeout: 0 })).rejects.toMatchObject({ code: 'EMFILE' });
    await expect(unstable(flaky).readFile(at('good'), { timeout: -1 })).rejects.toMatchObject({ code: 'ENFILE' });
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  it('a rename on a backend that could rename at once is still retried: every rename goes through the retried one', async () => {
    let renames = 0;
    let atOnce = 0;
    const busyOnce: typeof nodeFileSystem = {
      ...nodeFileSystem,
      rename: (from, to) => (++renames === 1 ? Promise.reject(fromOsError(errnoError('EBUSY', 'rename', from), from, 'rename')) : nodeFileSystem.rename(from, to)),
      renameSync: (from) => {
        atOnce++;
        throw fromOsError(errnoError('EBUSY', 'rename', from), from, 'rename');
      },
    };
    await atomicallyOn({ fs: busyOnce, syncFs: nodeSyncFileSystem }).writeFile(at('good'), 'test');
    expect(fs.readFileSync(at('good'), 'utf8')).toBe('test');
    expect([renames, atOnce]).toEqual([2, 0]);
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  it('an fsync is never retried, whatever the timeout', async () => {
    const u = unstable([{ kind: 'datasync', nth: 1, errno: 'EBUSY' }]);
    await expect(u.writeFile(at('good'), 'test')).rejects.toMatchObject({ code: 'EBUSY' });
    expect(u.calls().filter((c) => c === 'datasync')).toHaveLength(1);
  });
});

describe('sync tests', () => {
  it('no errors with options, an encoding string, none; fsync false syncs nothing', () => {
    writeFileSync(at('good'), 'test', { mode: '0777' });
    writeFileSync(at('good'), 'test', 'utf8');
    writeFileSync(at('good'), 'test');
    const u = unstable([]);
    u.writeFileSync(at('good'), 'test', { fsync: false });
    expect(u.calls().filter((c) => c === 'datasync' || c === 'syncDir')).toEqual([]);
  });

  it('tmpCreated is called on success (txfs: the temp is .good.<id>.0.txfs-tmp, not good.tmp-<timestamp><random>)', () => {
    let tmpfile = '';
    writeFileSync(at('good'), 'test', { tmpCreated: (t: string) => void (tmpfile = t) });
    expect(path.basename(tmpfile)).toMatch(/^\.good\..+\.0\.txfs-tmp$/);
    const told: string[] = [];
    writeFileSync(at('good'), 'test', { tmpCreate: customTemp, tmpCreated: (p: string) => void told.push(p) });
    expect(told).toEqual([at('.good.custom')]);
  });

  it('temp files are purged on success', () => {
    writeFileSync(at('atomically-test-0'), 'test', { tmpCreate: (p: string) => `${p}.temp` });
    expect(fs.existsSync(at('atomically-test-0'))).toBe(true);
    expect(fs.existsSync(at('atomically-test-0.temp'))).toBe(false);
  });

  it.skipIf(!chattrWorks)('temp files are purged on error (an immutable target refuses the rename), or kept with tmpPurge: false (needs chattr)', () => {
    const target = at('atomically-test-norename');
    fs.writeFileSync(target, 'old');
    const undo = immutable(target);
    try {
      expect(thrown(() => writeFileSync(target, 'test', { tmpCreate: (p: string) => `${p}.temp`, timeout: 0 })).code).toBe('EPERM');
      expect(fs.existsSync(`${target}.temp`)).toBe(false);
      expect(thrown(() => writeFileSync(target, 'test', { tmpCreate: (p: string) => `${p}.temp`, tmpPurge: false, timeout: 0 })).code).toBe('EPERM');
      expect(fs.readFileSync(`${target}.temp`, 'utf8')).toBe('test');
    } finally {
      undo();
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
  });

  it.skipIf(!chattrWorks)('async too: tmpPurge: false keeps the temp of a failed write, with its content (needs chattr)', async () => {
    const target = at('kept');
    fs.writeFileSync(target, 'old');
    const undo = immutable(target);
    try {
      await expect(writeFile(target, 'new', { tmpCreate: (p: string) => `${p}.temp`, tmpPurge: false, timeout: 0 })).rejects.toMatchObject({ code: 'EPERM' });
    } finally {
      undo();
    }
    expect(fs.readFileSync(`${target}.temp`, 'utf8')).toBe('new');
  });

  it('unstable: retryable errors are retried (injected, the first few calls), and retrying can be disabled', () => {
    const faults: SyncFault[] = [
      { kind: 'open', errno: 'EMFILE', pathIncludes: '.txfs-tmp', times: 2 },
      { kind: 'write', errno: 'EAGAIN', times: 1 },
      { kind: 'rename', errno: 'EBUSY', times: 1 },
    ];
    unstable([], faults).writeFileSync(at('good'), 'test');
    expect(fs.readFileSync(at('good'), 'utf8')).toBe('test');
    expect(thrown(() => unstable([], faults).writeFileSync(at('good'), 'test', { timeout: 0 })).code).toBe('EMFILE');
    expect(unstable([], [{ kind: 'readFile', errno: 'EBUSY', times: 2 }]).readFileSync(at('good'), 'utf8')).toBe('test');
  });
});

describe('promises', () => {
  it('tmpCreated is called for success, may return a promise, and is not called when the open fails', async () => {
    let tmpfile: string | undefined;
    await writeFile(at('good'), 'test', { tmpCreated: (t: string) => void (tmpfile = t) });
    expect(path.basename(tmpfile ?? '')).toMatch(/^\.good\..+\.txfs-tmp$/);
    await writeFile(at('good'), 'test', { tmpCreated: () => Promise.resolve() });
    tmpfile = undefined;
    await expect(writeFile(at(path.join('missing', 'x')), 'test', { mkdir: false, tmpCreated: (t: string) => void (tmpfile = t) })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(tmpfile).toBeUndefined();
  });
});

describe('readFile and readFileSync', () => {
  it('read a Buffer, or a string with an encoding (as a string or in the options)', async () => {
    fs.writeFileSync(at('r'), 'héllo');
    expect(await readFile(at('r'))).toEqual(Buffer.from('héllo'));
    expect(await readFile(at('r'), 'utf8')).toBe('héllo');
    expect(await readFile(at('r'), { encoding: 'latin1' })).toBe(Buffer.from('héllo').toString('latin1'));
    expect(readFileSync(at('r'))).toEqual(Buffer.from('héllo'));
    expect(readFileSync(at('r'), { encoding: 'utf8', timeout: 0 })).toBe('héllo');
  });

  it('a missing file is ENOENT naming it (not retried); a wrong option type is a TypeError', async () => {
    await expect(readFile(at('none'))).rejects.toMatchObject({ code: 'ENOENT', path: at('none') });
    expect(() => readFileSync(at('none'))).toThrow(expect.objectContaining({ code: 'ENOENT' }) as Error);
    await expect(readFile(at('none'), { timeout: 'soon' } as never)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('arguments', () => {
  it('wrong types are TypeErrors before anything is touched: data, mode, chown, timeout, tmpCreate, callback', async () => {
    await expect(writeFile(at('x'), 42 as never)).rejects.toBeInstanceOf(TypeError);
    await expect(writeFile(at('x'), 'x', { mode: 'rw-r--r--' })).rejects.toBeInstanceOf(TypeError);
    await expect(writeFile(at('x'), 'x', { chown: { uid: '0', gid: 0 } } as never)).rejects.toBeInstanceOf(TypeError);
    await expect(writeFile(at('x'), 'x', { tmpCreate: 'name' } as never)).rejects.toBeInstanceOf(TypeError);
    await expect(writeFile(at('x'), 'x', {}, 'cb' as never)).rejects.toBeInstanceOf(TypeError);
    expect(() => writeFileSync(at('x'), 'x', { timeout: Number.NaN })).toThrow(expect.objectContaining({ code: 'EINVAL' }) as Error);
    expect(() => writeFileSync(at('x'), 'x', { mode: 0o4755 })).toThrow(expect.objectContaining({ code: 'EINVAL' }) as Error);
    expect(fs.readdirSync(cases.dir)).toEqual([]);
  });
});
