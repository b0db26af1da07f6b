import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import type { FileStat, FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { validators } from '../../../src/integrity/validators.js';
import { codeOf, makeFixture, type Fixture } from './storeFixture.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.done();
  fx = undefined;
});
const setup = async (files: Record<string, string> = {}): Promise<Fixture> => (fx = await makeFixture(files));

describe('store.transaction', () => {
  it('lands every operation of a transaction, in the caller order, and leaves no temp file', async () => {
    const f = await setup({ 'a.txt': 'old a', 'b.txt': 'old b', 'c.txt': 'old c' });
    const r = await f.store.transaction((tx) => {
      tx.writeFile('a.txt', 'new a').mkdir('d').copy('b.txt', 'd/b-copy.txt').rename('c.txt', 'd/c.txt').writeFile('n.txt', 'new n');
      return 42;
    });
    expect(r.status).toBe('committed');
    expect(r.value).toBe(42);
    expect(r.files.map((x) => [x.path, x.action])).toEqual([
      ['a.txt', 'written'], ['d', 'created'], ['d/b-copy.txt', 'copied'], ['d/c.txt', 'renamed'], ['n.txt', 'written'],
    ]);
    expect(f.files()).toEqual(['a.txt', 'b.txt', 'd/b-copy.txt', 'd/c.txt', 'n.txt']);
    expect([f.read('a.txt'), f.read('d/b-copy.txt'), f.read('d/c.txt'), f.read('n.txt')]).toEqual(['new a', 'old b', 'old c', 'new n']);
    expect(f.temps()).toEqual([]);
  });

  it('keeps a verified backup of every replaced file and moves deleted files to the backup store', async () => {
    const f = await setup({ 'a.txt': 'old a', 'gone.txt': 'bye' });
    const r = await f.store.transaction((tx) => {
      tx.writeFile('a.txt', 'new a').delete('gone.txt');
    });
    const [a, gone] = r.files;
    expect(a?.backup?.sha256).toBe(createHash('sha256').update('old a').digest('hex'));
    expect(fs.readFileSync(a?.backup?.file ?? '', 'utf8')).toBe('old a');
    expect(gone?.action).toBe('deleted');
    expect(fs.readFileSync(gone?.backup?.file ?? '', 'utf8')).toBe('bye');
    expect(f.files()).toEqual(['a.txt']);
  });

  it('keeps no backup when the transaction says backup: false', async () => {
    const f = await setup({ 'a.txt': 'old a' });
    const r = await f.store.transaction((tx) => void tx.writeFile('a.txt', 'new'), { backup: false });
    expect(r.files[0]?.backup).toBeUndefined();
    expect(f.backups()).toEqual([]);
    expect(f.read('a.txt')).toBe('new');
  });

  it('leaves nothing behind when the callback throws', async () => {
    const f = await setup({ 'a.txt': 'old' });
    await expect(
      f.store.transaction((tx) => {
        tx.writeFile('a.txt', 'new').writeFile('b.txt', 'b');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(f.files()).toEqual(['a.txt']);
    expect(f.read('a.txt')).toBe('old');
    expect(f.temps()).toEqual([]);
    expect((await f.store.status()).locks).toEqual([]);
  });

  it('rejects a validator failure before anything is replaced, removing every temp and backup', async () => {
    const f = await setup({ 'a.json': '{"v":1}', 'b.json': '{"v":1}' });
    const err = await codeOf(
      f.store.transaction((tx) => {
        tx.writeFile('a.json', '{"v":2}', { validate: validators.json() }).writeFile('b.json', '{broken', { validate: validators.json() });
      }),
    );
    expect(err).toBe('EVALIDATION');
    expect([f.read('a.json'), f.read('b.json')]).toEqual(['{"v":1}', '{"v":1}']);
    expect(f.temps()).toEqual([]);
    expect(f.backups()).toEqual([]);
    const [last] = await collect(f.store.log({ limit: 1 }));
    expect(last?.state).toBe('rolled-back');
  });

  it('rolls back with EABORTED when the signal fires before the commit', async () => {
    const f = await setup({ 'a.txt': 'old' });
    const ac = new AbortController();
    ac.abort();
    expect(await codeOf(f.store.transaction((tx) => void tx.writeFile('a.txt', 'new'), { signal: ac.signal }))).toBe('EABORTED');
    expect(f.read('a.txt')).toBe('old');
    expect(f.temps()).toEqual([]);
  });

  it('commits an explicit tx with begin()/commit(), and forgets one rolled back', async () => {
    const f = await setup();
    const tx = f.store.begin({ label: 'explicit' });
    tx.writeFile('x.txt', 'x');
    await tx.rollback();
    expect(f.files()).toEqual([]);
    const tx2 = f.store.begin({ label: 'explicit' }).writeFile('x.txt', 'x2');
    const r = await tx2.commit();
    expect(r.id).toBe(tx2.id);
    expect(f.read('x.txt')).toBe('x2');
    expect(await codeOf(tx2.commit())).toBe('EINVAL');
    const [s] = await collect(f.store.log({ limit: 1 }));
    expect(s?.label).toBe('explicit');
  });

  it('returns the result when the callback committed the transaction itself', async () => {
    const f = await setup();
    const r = await f.store.transaction(async (tx) => {
      await tx.writeFile('x.txt', 'x').commit();
      return 'done';
    });
    expect(r.value).toBe('done');
    expect(r.files.map((x) => x.path)).toEqual(['x.txt']);
  });

  it('rejects one path named in two operations with EINVAL, before touching anything', async () => {
    const f = await setup({ 'a.txt': 'old' });
    expect(await codeOf(f.store.transaction((tx) => void tx.writeFile('a.txt', '1').writeFile('./a.txt', '2')))).toBe('EINVAL');
    expect(await codeOf(f.store.transaction((tx) => void tx.rename('a.txt', 'b.txt').delete('a.txt')))).toBe('EINVAL');
    expect(f.files()).toEqual(['a.txt']);
  });
});

describe('paths', () => {
  it('rejects every path leading outside the root with EOUTSIDE before anything is touched', async () => {
    const f = await setup({ 'a.txt': 'old' });
    const outside = fs.mkdtempSync(path.join(path.dirname(f.root), 'txfs-out-'));
    fs.symlinkSync(outside, path.join(f.root, 'link'));
    fs.mkdirSync(path.join(f.root, 'deep', 'er'), { recursive: true });
    fs.symlinkSync(outside, path.join(f.root, 'deep', 'er', 'up'));
    try {
      for (const p of ['../x.txt', '/etc/passwd', 'link/x.txt', 'deep/er/up/new/x.txt', '.txfs/journal/x', path.join(f.root, '.txfs', 'x')]) {
        expect(await codeOf(f.store.transaction((tx) => void tx.writeFile('a.txt', 'new').writeFile(p, 'x'))), p).toBe('EOUTSIDE');
      }
      expect(await codeOf(f.store.readFile('../etc/passwd'))).toBe('EOUTSIDE');
      expect(f.read('a.txt')).toBe('old');
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('accepts an absolute path inside the root', async () => {
    const f = await setup();
    const r = await f.store.writeFile(path.join(f.root, 'abs.txt'), 'ok');
    expect(r.path).toBe('abs.txt');
    expect(f.read('abs.txt')).toBe('ok');
  });
});

describe('onExists', () => {
  it('skips, renames or keeps both as the policy says', async () => {
    const f = await setup({ 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C' });
    const r = await f.store.transaction((tx) => {
      tx.writeFile('a.txt', 'a2', { onExists: 'skip' }).writeFile('b.txt', 'b2', { onExists: 'rename' }).writeFile('c.txt', 'c2', { onExists: 'keep-both' });
    });
    expect(r.files.map((x) => x.action)).toEqual(['skipped', 'written', 'written']);
    expect(r.files[1]?.path).toBe('b (1).txt');
    expect(r.files[2]?.path).toMatch(/^c \(conflict \d{4}-\d\d-\d\d \d{6}\)\.txt$/);
    expect([f.read('a.txt'), f.read('b.txt'), f.read('b (1).txt'), f.read('c.txt'), f.read(r.files[2]?.path ?? '')]).toEqual(['A', 'B', 'b2', 'C', 'c2']);
  });

  it("reports 'skipped' when every operation was skipped, and ECONFLICT for 'fail'", async () => {
    const f = await setup({ 'a.txt': 'A' });
    const r = await f.store.writeFile('a.txt', 'new', { onExists: 'skip' });
    expect(r.status).toBe('skipped');
    expect(await codeOf(f.store.writeFile('a.txt', 'new', { onExists: 'fail' }))).toBe('ECONFLICT');
    expect(f.read('a.txt')).toBe('A');
    expect(f.temps()).toEqual([]);
  });

  it("asks a callback, telling read-only files apart by their mode bits", async () => {
    const f = await setup({ 'ro.txt': 'R', 'rw.txt': 'W' });
    fs.chmodSync(path.join(f.root, 'ro.txt'), 0o444);
    const kinds: string[] = [];
    await f.store.transaction(
      (tx) => void tx.writeFile('ro.txt', 'r2').writeFile('rw.txt', 'w2'),
      { onExists: async (c) => (kinds.push(`${c.path}:${c.kind}`), 'overwrite') },
    );
    expect(kinds).toEqual(['ro.txt:read-only', 'rw.txt:exists']);
    expect(f.read('ro.txt')).toBe('r2');
    expect(fs.statSync(path.join(f.root, 'ro.txt')).mode & 0o777).toBe(0o444);
  });
});

describe('concurrent modification', () => {
  it('fails with ECONFLICT when a target changed after the operation was added, touching nothing', async () => {
    const f = await setup({ 'a.txt': 'A', 'b.txt': 'B' });
    const tx = f.store.begin().writeFile('a.txt', 'a2').writeFile('b.txt', 'b2');
    await new Promise((r) => setTimeout(r, 20));
    f.write('b.txt', 'changed behind our back');
    expect(await codeOf(tx.commit())).toBe('ECONFLICT');
    expect([f.read('a.txt'), f.read('b.txt')]).toEqual(['A', 'changed behind our back']);
    expect(f.temps()).toEqual([]);
    expect(f.backups()).toEqual([]);
  });

  it('does not call a file touched but identical a conflict', async () => {
    const f = await setup();
    await f.store.writeFile('a.txt', 'same');
    const tx = f.store.begin().writeFile('a.txt', 'next');
    await new Promise((r) => setTimeout(r, 20));
    const t = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(f.root, 'a.txt'), t, t);
    await tx.commit();
    expect(f.read('a.txt')).toBe('next');
  });

  it('does not call a file the store never wrote a conflict when it is touched but identical', async () => {
    const f = await setup({ 'mine.txt': 'written by hand' });
    const tx = f.store.begin().writeFile('mine.txt', 'next');
    await new Promise((r) => setTimeout(r, 20));
    const t = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(f.root, 'mine.txt'), t, t);
    await tx.commit();
    expect(f.read('mine.txt')).toBe('next');
    const tx2 = f.store.begin().writeFile('mine.txt', 'later');
    await new Promise((r) => setTimeout(r, 20));
    f.write('mine.txt', 'changed for real');
    expect(await codeOf(tx2.commit())).toBe('ECONFLICT');
  });

  it("honours expect(): 'absent', a sha256, and 'unchanged' pinned when called", async () => {
    const f = await setup({ 'a.txt': 'A' });
    expect(await codeOf(f.store.transaction((tx) => void tx.expect('a.txt', 'absent').writeFile('b.txt', 'b')))).toBe('ECONFLICT');
    expect(await codeOf(f.store.transaction((tx) => void tx.expect('a.txt', { sha256: '0'.repeat(64) }).writeFile('b.txt', 'b')))).toBe('ECONFLICT');
    const tx = f.store.begin().expect('a.txt', 'unchanged').writeFile('b.txt', 'b');
    await new Promise((r) => setTimeout(r, 20));
    f.write('a.txt', 'A changed');
    expect(await codeOf(tx.commit())).toBe('ECONFLICT');
    expect(f.files()).toEqual(['a.txt']);
    const ok = await f.store.transaction((t2) => void t2.expect('nope.txt', 'absent').writeFile('b.txt', 'b'));
    expect(ok.status).toBe('committed');
  });

  it("lets onConcurrentChange: 'overwrite' replace the changed file, keeping its current content as the backup", async () => {
    const f = await setup({ 'a.txt': 'A' });
    const tx = f.store.begin({ onConcurrentChange: 'overwrite' }).writeFile('a.txt', 'mine');
    f.write('a.txt', 'theirs, longer');
    const r = await tx.commit();
    expect(f.read('a.txt')).toBe('mine');
    expect(fs.readFileSync(r.files[0]?.backup?.file ?? '', 'utf8')).toBe('theirs, longer');
  });
});

describe('reads, verification, log and status', () => {
  it('reads back with verify, and reports EINTEGRITY once the content differs from the manifest', async () => {
    const f = await setup();
    await f.store.writeFile('a.txt', 'trusted');
    expect(await f.store.readFile('a.txt', { verify: true, encoding: 'utf8' })).toBe('trusted');
    f.write('a.txt', 'tampered');
    expect(await codeOf(f.store.readFile('a.txt', { verify: true }))).toBe('EINTEGRITY');
    const report = await f.store.verify();
    expect(report.problems.map((p) => [p.path, p.kind])).toEqual([['a.txt', 'changed']]);
    const status = await f.store.status();
    expect(status.externallyChanged.map((c) => [c.path, c.kind])).toEqual([['a.txt', 'modified']]);
  });

  it('tells corruption (same size, time and inode) from external change, and reports missing files', async () => {
    // Whole-second mtimes, so that the test can put a file's time back exactly after damaging it.
    const seconds = (s: FileStat): FileStat => ({ ...s, mtimeMs: Math.floor(s.mtimeMs / 1000) * 1000 });
    const coarse: FileSystem = {
      ...nodeFileSystem,
      stat: async (p) => seconds(await nodeFileSystem.stat(p)),
      lstat: async (p) => seconds(await nodeFileSystem.lstat(p)),
      // The manifest takes a staged file's stat through its handle.
      open: async (p, flags, mode) => {
        const h = await nodeFileSystem.open(p, flags, mode);
        return { ...h, stat: async () => seconds(await h.stat()) };
      },
    };
    const f = (fx = await makeFixture({}, { fs: coarse }));
    await f.store.writeFile('a.txt', 'abcdef');
    await f.store.writeFile('b.txt', 'gone soon');
    const abs = path.join(f.root, 'a.txt');
    const st = fs.statSync(abs);
    const fd = fs.openSync(abs, 'r+');
    fs.writeSync(fd, 'X', 0);
    fs.closeSync(fd);
    fs.utimesSync(abs, Math.floor(st.mtimeMs / 1000), Math.floor(st.mtimeMs / 1000));
    fs.unlinkSync(path.join(f.root, 'b.txt'));
    const report = await f.store.verify();
    expect(report.problems.map((p) => [p.path, p.kind])).toEqual([['a.txt', 'corrupted'], ['b.txt', 'missing']]);
  });

  it('lists transactions newest first, filtered by path', async () => {
    const f = await setup();
    await f.store.writeFile('a.txt', '1');
    await f.store.writeFile('b.txt', '1');
    await f.store.writeFile('a.txt', '2');
    const all = await collect(f.store.log());
    expect(all.map((s) => s.files[0]?.path)).toEqual(['a.txt', 'b.txt', 'a.txt']);
    expect((await collect(f.store.log({ path: 'a.txt' }))).length).toBe(2);
    expect((await collect(f.store.log({ limit: 1 }))).length).toBe(1);
  });

  it('writes into missing directories with mkdirp', async () => {
    const f = await setup();
    expect(await codeOf(f.store.writeFile('x/y/z.txt', 'deep'))).toBe('ENOENT');
    await f.store.writeFile('x/y/z.txt', 'deep', { mkdirp: true });
    expect(f.read('x/y/z.txt')).toBe('deep');
  });
});

const collect = async <A>(it: AsyncIterable<A>): Promise<A[]> => {
  const out: A[] = [];
  for await (const a of it) out.push(a);
  return out;
};

describe('checksum sidecars', () => {
  it('writes <path>.sha256 in sha256sum format in the same transaction, beside a renamed target too', async () => {
    const f = await setup({ 'b.txt': 'B' });
    const r = await f.store.transaction((tx) => {
      tx.writeFile('a.txt', 'hello', { checksumFile: true }).writeFile('b.txt', 'new b', { checksumFile: true, onExists: 'rename' });
    });
    const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
    expect(r.files.map((x) => x.path)).toEqual(['a.txt', 'b (1).txt', 'a.txt.sha256', 'b (1).txt.sha256']);
    expect(f.read('a.txt.sha256')).toBe(`${sha('hello')}  a.txt\n`);
    expect(f.read('b (1).txt.sha256')).toBe(`${sha('new b')}  b (1).txt\n`);
    const w = await f.store.writeFile('c/d.txt', 'deep', { checksumFile: true, mkdirp: true });
    expect(w.path).toBe('c/d.txt');
    expect(f.read('c/d.txt.sha256')).toBe(`${sha('deep')}  d.txt\n`);
    expect(await codeOf(f.store.transaction((tx) => void tx.writeFile('x.txt', 'x', { checksumFile: true }).writeFile('x.txt.sha256', 'mine')))).toBe('EINVAL');
  });
});

describe('locks', () => {
  it('makes a second transaction on a locked path wait, then fail with ELOCKED naming the holder', async () => {
    const f = await setup({ 'a.txt': 'A' });
    const impatient = await f.reopen({ lockTimeoutMs: 100, recover: false });
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    let entered = (): void => undefined;
    const inside = new Promise<void>((r) => (entered = r));
    // The first transaction holds the lock on a.txt while its onExists callback waits.
    const first = f.store.transaction((tx) => void tx.writeFile('a.txt', 'first'), {
      label: 'slow export',
      onExists: async () => {
        entered();
        await held;
        return 'overwrite';
      },
    });
    await inside;
    const e = await impatient.writeFile('a.txt', 'second').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(TxfsError);
    expect((e as TxfsError).code).toBe('ELOCKED');
    expect((e as TxfsError).holder).toMatch(new RegExp(`^pid ${process.pid} \\(slow export\\) since \\d{4}-`));
    release();
    await first;
    expect(f.read('a.txt')).toBe('first');
    await impatient.writeFile('a.txt', 'second');
    expect(f.read('a.txt')).toBe('second');
  });
});
