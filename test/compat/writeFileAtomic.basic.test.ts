/**
 * write-file-atomic's test/basic.js, ported to the compat entry. The original fakes every fault with a mocked `fs`
 * (paths named `noopen`, `nowrite`, `norename` …); here each fault is real where root can produce it — an immutable
 * directory for a failing open, an immutable target for a failing rename, a child under `ulimit -f` for a failing
 * write, a child as uid 65534 for a refused chown — and injected (the fault injector, or its synchronous twin) only
 * where no disk fails on demand: EIO on fdatasync, fchown or chmod, ENOSYS and EINVAL from fchown, an unlink that fails.
 * Expectations txfs changes on purpose are marked "(txfs: …)" and listed in the README's migration section.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import writeFileAtomic from '../../src/compat/writeFileAtomic.js';
import { writeFileAtomicOn } from '../../src/compat/writeFileAtomicOn.js';
import { TxfsError } from '../../src/errors.js';
import { needsChmod, processUmask } from '../../src/ops/fileMode.js';
import { nodeFileSystem, nodeSyncFileSystem } from '../../src/fs/node.js';
import { createFaultyFileSystem, type Fault, type FaultyFileSystem } from '../../src/testing/faultyFileSystem.js';
import { caseDirs } from '../unit/ops/caseDirs.js';
import { faultySync, type FaultySyncFileSystem, type SyncFault } from './faultySync.js';
import { chattrWorks, thrown, hasSetpriv, immutable, isRoot, runChild, tempsIn } from './support.js';

const cases = caseDirs();
const { at } = cases;
const sync = writeFileAtomic.sync;
/** A mode the process umask cuts bits from, so that a chmod must follow the create (the chmod faults need one). */
const CUT = 0o777;

/** write-file-atomic over the fault injector and its synchronous twin, with the faults given. */
const injected = (faults: readonly Fault[], syncFaults: readonly SyncFault[] = []): { wfa: typeof writeFileAtomic; afs: FaultyFileSystem; sfs: FaultySyncFileSystem } => {
  const afs = createFaultyFileSystem(nodeFileSystem, faults);
  const sfs = faultySync(nodeSyncFileSystem);
  for (const f of syncFaults) sfs.inject(f);
  return { wfa: writeFileAtomicOn({ fs: afs, syncFs: sfs }), afs, sfs };
};

const rejection = async (p: Promise<unknown>): Promise<TxfsError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(TxfsError);
  return e as TxfsError;
};
const viaCallback = (f: (cb: (err?: Error) => void) => unknown): Promise<Error | undefined> => new Promise((resolve) => void f(resolve));
const oldFile = (name: string, content = 'old'): string => {
  fs.writeFileSync(at(name), content);
  return at(name);
};

describe('async tests (non-root expectations)', () => {
  it('runs under a umask that cuts bits from 0o777 (the chmod cases below need a chmod)', () => {
    expect(needsChmod(CUT)).toBe(true);
  });

  it('no errors when passing in options ({ mode: "0777" }): the octal string is the mode', async () => {
    expect(await viaCallback((cb) => writeFileAtomic(at('good'), 'test', { mode: '0777' }, cb))).toBeUndefined();
    expect(fs.statSync(at('good')).mode & 0o777).toBe(0o777);
  });

  it('no errors when passing in options as a string (the encoding), as undefined, or not at all', async () => {
    expect(await viaCallback((cb) => writeFileAtomic(at('a'), 'test', 'utf8', cb))).toBeUndefined();
    expect(await viaCallback((cb) => writeFileAtomic(at('b'), 'test', undefined, cb))).toBeUndefined();
    expect(await viaCallback((cb) => writeFileAtomic(at('c'), 'test', cb))).toBeUndefined();
    for (const f of ['a', 'b', 'c']) expect(fs.readFileSync(at(f), 'utf8')).toBe('test');
  });

  it.skipIf(!chattrWorks)('open failures propagate: an immutable directory (chattr +i) refuses the temp with EPERM, naming the file (needs chattr)', async () => {
    const undo = immutable(cases.dir);
    try {
      const err = await viaCallback((cb) => writeFileAtomic(at('noopen'), 'test', cb));
      expect(err).toBeInstanceOf(TxfsError);
      expect((err as TxfsError).code).toBe('EPERM');
      expect((err as TxfsError).path).toBe(at('noopen'));
      expect(err?.message).toContain(at('noopen'));
    } finally {
      undo();
    }
    expect(fs.readdirSync(cases.dir)).toEqual([]);
  });

  for (const [what, data] of [['a string', 'x'.repeat(64 * 1024)], ['a buffer', Buffer.alloc(64 * 1024, 'x')]] as const) {
    it(`write failures propagate for ${what}: a child under ulimit -f 16 gets EFBIG, the target and no temp left`, () => {
      const target = oldFile('nowrite', 'old content');
      const r = runChild({ api: 'wfa', form: 'async', target, ...(typeof data === 'string' ? { text: data } : { bytes: data.length }) }, { fileSizeKiB: 16 });
      expect(r.result).toMatchObject({ code: 'EFBIG', path: target });
      expect(fs.readFileSync(target, 'utf8')).toBe('old content');
      expect(tempsIn(cases.dir)).toEqual([]);
    });
  }

  it('chown failures propagate: an fchown failing with EIO (injected) rejects, the target as it was', async () => {
    const { wfa } = injected([{ kind: 'fchown', nth: 1, errno: 'EIO' }]);
    const target = oldFile('nochown');
    expect((await rejection(wfa(target, 'test', { chown: { uid: 100, gid: 100 } }))).code).toBe('EIO');
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  it('no attempt to chown when no uid/gid is passed in and nothing is replaced', async () => {
    const { wfa, afs } = injected([]);
    await wfa(at('nochown'), 'test');
    expect(afs.trace.filter((c) => c.kind === 'fchown')).toEqual([]);
  });

  it('chmod failures propagate: a chmod failing with EIO (injected) rejects (a mode the umask would cut needs one)', async () => {
    const { wfa } = injected([{ kind: 'chmod', nth: 1, errno: 'EIO' }]);
        expect((await rejection(wfa(at('nochmod'), 'test', { mode: CUT }))).code).toBe('EIO');
    expect(fs.existsSync(at('nochmod'))).toBe(false);
  });

  it('fsync skipped if options.fsync is false: neither the file nor its directory is synced', async () => {
    const { wfa, afs } = injected([]);
    await wfa(at('nofsyncopt'), 'test', { fsync: false });
    expect(afs.trace.filter((c) => ['sync', 'datasync', 'syncDir'].includes(c.kind))).toEqual([]);
    expect(fs.readFileSync(at('nofsyncopt'), 'utf8')).toBe('test');
  });

  it.skipIf(!chattrWorks)('rename errors propagate: an immutable target (chattr +i) refuses the rename with EPERM; the temp is removed (needs chattr)', async () => {
    const target = oldFile('norename');
    const undo = immutable(target);
    try {
      const err = await viaCallback((cb) => writeFileAtomic(target, 'test', cb));
      expect((err as TxfsError).code).toBe('EPERM');
      expect((err as TxfsError).path).toBe(target);
    } finally {
      undo();
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  it('failure to unlink the temp file does not clobber the original error (rename EIO, then unlink EIO, injected)', async () => {
    const { wfa } = injected([
      { kind: 'rename', nth: 1, errno: 'EIO' },
      { kind: 'unlink', nth: 1, errno: 'EACCES', mode: 'always', pathIncludes: '.txfs-tmp' },
    ]);
    const e = await rejection(wfa(at('norename nounlink'), 'test'));
    expect(e.code).toBe('EIO');
    expect(e.syscall).toBe('rename');
    for (const t of tempsIn(cases.dir)) fs.unlinkSync(path.join(cases.dir, t));
  });

  it('fsync failures propagate: fdatasync failing with EIO (injected) rejects, never retried; no temp left', async () => {
    const { wfa, afs } = injected([{ kind: 'datasync', nth: 1, errno: 'EIO' }]);
    const target = oldFile('nofsync');
    expect((await rejection(wfa(target, 'test'))).code).toBe('EIO');
    expect(afs.trace.filter((c) => c.kind === 'datasync')).toHaveLength(1);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  for (const errno of ['ENOSYS', 'EINVAL', 'EPERM']) {
    it(`no errors on ${errno} from chown (injected): written, owned by the writer`, async () => {
      const { wfa } = injected([{ kind: 'fchown', nth: 1, errno }]);
      await wfa(at(errno.toLowerCase()), 'test', { chown: { uid: 100, gid: 100 } });
      expect(fs.readFileSync(at(errno.toLowerCase()), 'utf8')).toBe('test');
    });
  }

  for (const errno of ['EINVAL', 'EPERM']) {
    it(`(txfs: a chmod failing with ${errno} fails the write, for root or not: the new file would have other permissions)`, async () => {
      const { wfa } = injected([{ kind: 'chmod', nth: 1, errno }]);
            expect((await rejection(wfa(at('chmod'), 'test', { mode: CUT }))).code).toBe(errno);
    });
  }

  it.skipIf(!hasSetpriv)('no errors on EPERM from chown for non-root: a uid-65534 child asking for uid 0 writes, owning the file (needs root and setpriv)', () => {
    fs.chmodSync(path.dirname(cases.dir), 0o755);
    fs.chmodSync(cases.dir, 0o777);
    const r = runChild({ api: 'wfa', form: 'async', target: at('eperm'), text: 'by nobody', options: { chown: { uid: 0, gid: 0 } } }, { nobody: true });
    expect(r.result).toEqual({ ok: true });
    expect(fs.statSync(at('eperm'))).toMatchObject({ uid: 65534, gid: 65534 });
    expect(fs.readFileSync(at('eperm'), 'utf8')).toBe('by nobody');
  });
});

describe.skipIf(!isRoot)('errors for root (needs root)', () => {
  it('(txfs: chown EINVAL is ignored for root too — the filesystem cannot store that owner; written, owned by the writer)', async () => {
    const { wfa } = injected([{ kind: 'fchown', nth: 1, errno: 'EINVAL' }]);
    await wfa(at('einval'), 'test', { chown: { uid: 100, gid: 100 } });
    expect(fs.statSync(at('einval')).uid).toBe(0);
  });

  it('chmod EINVAL is an error for root', async () => {
    const { wfa } = injected([{ kind: 'chmod', nth: 1, errno: 'EINVAL' }]);
        expect((await rejection(wfa(at('einval'), 'test', { mode: CUT }))).code).toBe('EINVAL');
  });
});

describe('sync tests', () => {
  it('no errors with options ({ mode: "0777" }), options as a string, or none; fsync false syncs nothing', () => {
    sync(at('good'), 'test', { mode: '0777' });
    expect(fs.statSync(at('good')).mode & 0o777).toBe(0o777);
    sync(at('good'), 'test', 'utf8');
    sync(at('good'), 'test');
    const { wfa, sfs } = injected([]);
    wfa.sync(at('good'), 'test', { fsync: false });
    expect(sfs.trace.filter((c) => c.kind === 'datasync' || c.kind === 'syncDir')).toEqual([]);
    expect(fs.readFileSync(at('good'), 'utf8')).toBe('test');
  });

  it('tmpfileCreated is called on success, with the temp beside the file (txfs: named .good.<id>.0.txfs-tmp, not good.<n>)', () => {
    let tmpfile = '';
    sync(at('good'), 'test', { tmpfileCreated: (t: string) => void (tmpfile = t) });
    expect(path.dirname(tmpfile)).toBe(cases.dir);
    expect(path.basename(tmpfile)).toMatch(/^\.good\.[^/]+\.0\.txfs-tmp$/);
    expect(fs.existsSync(tmpfile)).toBe(false);
  });

  it.skipIf(!chattrWorks)('openSync failures propagate (immutable directory) and tmpfileCreated is not called (needs chattr)', () => {
    let tmpfile: string | undefined;
    const undo = immutable(cases.dir);
    try {
      expect(thrown(() => sync(at('noopen'), 'test', { tmpfileCreated: (t: string) => void (tmpfile = t) })).code).toBe('EPERM');
    } finally {
      undo();
    }
    expect(tmpfile).toBeUndefined();
  });

  it('writeSync failures propagate (a child under ulimit -f 16: EFBIG) and tmpfileCreated was called before', () => {
    const target = oldFile('nowrite');
    const r = runChild({ api: 'wfa', form: 'sync', target, bytes: 64 * 1024, created: 'report' }, { fileSizeKiB: 16 });
    expect(r.result).toMatchObject({ code: 'EFBIG', path: target });
    expect(r.lines.some((l) => /^created .*\.nowrite\..*\.txfs-tmp$/.test(l))).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  it('chown failures propagate (fchown EIO, injected); no attempt to chown with chown: false', () => {
    const { wfa, sfs } = injected([], [{ kind: 'fchown', errno: 'EIO' }]);
    expect(thrown(() => wfa.sync(at('nochown'), 'test', { chown: { uid: 100, gid: 100 } })).code).toBe('EIO');
    expect(tempsIn(cases.dir)).toEqual([]);
    wfa.sync(at('nochown'), 'test', { chown: false });
    expect(sfs.trace.filter((c) => c.kind === 'fchown')).toHaveLength(1);
  });

  it.skipIf(!isRoot)('chown undefined: the original file owner is used (needs root)', () => {
    const target = oldFile('chowncopy');
    fs.chownSync(target, 42, 43);
    sync(target, 'test', { chown: undefined });
    expect(fs.statSync(target)).toMatchObject({ uid: 42, gid: 43 });
  });

  it.skipIf(!chattrWorks)('renameSync errors propagate (immutable target), the temp removed (needs chattr)', () => {
    const target = oldFile('norename');
    const undo = immutable(target);
    try {
      expect(thrown(() => sync(target, 'test')).code).toBe('EPERM');
    } finally {
      undo();
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  it('failure to unlink the temp file does not clobber the original error (rename EIO, unlink EACCES, injected)', () => {
    const { wfa } = injected([], [{ kind: 'rename', errno: 'EIO' }, { kind: 'unlink', errno: 'EACCES', pathIncludes: '.txfs-tmp' }]);
    const e = thrown(() => wfa.sync(at('norename nounlink'), 'test'));
    expect(e.code).toBe('EIO');
    expect(e.syscall).toBe('rename');
    for (const t of tempsIn(cases.dir)) fs.unlinkSync(path.join(cases.dir, t));
  });

  it('fsync errors propagate (fdatasync EIO, injected): the target as it was, no temp', () => {
    const { wfa } = injected([], [{ kind: 'datasync', errno: 'EIO' }]);
    const target = oldFile('nofsync');
    expect(thrown(() => wfa.sync(target, 'test')).code).toBe('EIO');
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  for (const errno of ['ENOSYS', 'EINVAL', 'EPERM']) {
    it(`no errors on ${errno} from chown (injected)`, () => {
      const { wfa } = injected([], [{ kind: 'fchown', errno }]);
      wfa.sync(at('c'), 'test', { chown: { uid: 100, gid: 100 } });
      expect(fs.readFileSync(at('c'), 'utf8')).toBe('test');
    });
  }

  it('chmod failures propagate (chmod EIO, injected; txfs: EPERM too); no attempt to chmod with mode: false', () => {
        const { wfa, sfs } = injected([], [{ kind: 'chmod', errno: 'EIO' }]);
    expect(thrown(() => wfa.sync(at('nochmod'), 'test', { mode: CUT })).code).toBe('EIO');
    const eperm = injected([], [{ kind: 'chmod', errno: 'EPERM' }]);
    expect(thrown(() => eperm.wfa.sync(at('eperm'), 'test', { mode: CUT })).code).toBe('EPERM');
    wfa.sync(at('nochmod'), 'test', { mode: false });
    expect(sfs.trace.filter((c) => c.kind === 'chmod')).toHaveLength(1);
    expect(fs.statSync(at('nochmod')).mode & 0o777).toBe(0o666 & ~processUmask());
  });
});

describe('promises', () => {
  it('tmpfileCreated is called for success, and may return a promise', async () => {
    let tmpfile = '';
    await writeFileAtomic(at('good'), 'test', { tmpfileCreated: (t: string) => void (tmpfile = t) });
    expect(path.basename(tmpfile)).toMatch(/^\.good\..+\.txfs-tmp$/);
    await writeFileAtomic(at('good'), 'test', { tmpfileCreated: () => Promise.resolve() });
    expect(fs.readFileSync(at('good'), 'utf8')).toBe('test');
  });

  it('a rejection from tmpfileCreated, or a throw, rejects with that very error and removes the temp', async () => {
    const target = oldFile('good');
    const rejected = new Error('reject from tmpfileCreated');
    await expect(writeFileAtomic(target, 'test', { tmpfileCreated: () => Promise.reject(rejected) })).rejects.toBe(rejected);
    const thrownError = new Error('throw from tmpfileCreated');
    await expect(
      writeFileAtomic(target, 'test', {
        tmpfileCreated: () => {
          throw thrownError;
        },
      }),
    ).rejects.toBe(thrownError);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(tempsIn(cases.dir)).toEqual([]);
  });

  it.skipIf(!chattrWorks)('tmpfileCreated is not called on open failure (needs chattr)', async () => {
    let tmpfile: string | undefined;
    const undo = immutable(cases.dir);
    try {
      await expect(writeFileAtomic(at('noopen'), 'test', { tmpfileCreated: (t: string) => void (tmpfile = t) })).rejects.toMatchObject({ code: 'EPERM' });
    } finally {
      undo();
    }
    expect(tmpfile).toBeUndefined();
  });

  it('tmpfileCreated is called if the failure is after the open (a child under ulimit -f: EFBIG)', () => {
    const r = runChild({ api: 'wfa', form: 'async', target: at('nowrite'), bytes: 64 * 1024, created: 'report' }, { fileSizeKiB: 16 });
    expect(r.result).toMatchObject({ code: 'EFBIG' });
    expect(r.lines.filter((l) => l.startsWith('created '))).toHaveLength(1);
  });

  it('different invocations get different temp names (getTmpname), and none is left', async () => {
    const seen: string[] = [];
    await Promise.all([1, 2, 3].map(() => writeFileAtomic(at('same'), 'x', { tmpfileCreated: (t: string) => void seen.push(t) })));
    expect(new Set(seen).size).toBe(3);
    expect(tempsIn(cases.dir)).toEqual([]);
  });
});
