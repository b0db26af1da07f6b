/**
 * The behaviour every FileSystem must have, as one suite: `describeFileSystem(name, make)` runs it against a backend
 * (the node adapter on a real temp dir, the crash simulator with no crash, …). Only behaviour txfs relies on:
 * open flags, short reads and writes, streams, stat kinds, rename/link/unlink, directories, copyFile, realpath,
 * syncDir, and errno codes delivered as TxfsError.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TxfsError } from '../../src/errors.js';
import type { FileHandle, FileSystem } from '../../src/fs/fileSystem.js';

/** A backend under test: `root` is an existing, empty, absolute directory of `fs`. */
export interface FileSystemFixture {
  readonly fs: FileSystem;
  readonly root: string;
  readonly cleanup?: () => void | Promise<void>;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Runs `f` and returns the TxfsError it rejects with (failing the test when it resolves or rejects with anything else). */
const failure = async (f: () => Promise<unknown>): Promise<TxfsError> => {
  let caught: unknown;
  try {
    await f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a rejection').toBeInstanceOf(TxfsError);
  return caught as TxfsError;
};
const expectCode = async (code: string, f: () => Promise<unknown>): Promise<void> => {
  expect((await failure(f)).code).toBe(code);
};

/** Writes all of `data` through `fh`, looping over short writes. */
const writeFully = async (fh: FileHandle, data: Uint8Array): Promise<void> => {
  for (let off = 0; off < data.length; ) {
    const n = await fh.write(data, off, data.length - off, null);
    expect(n).toBeGreaterThan(0);
    off += n;
  }
};

/** Registers the conformance suite for the backend `make` builds (a fresh one per test). */
export const describeFileSystem = (name: string, make: () => FileSystemFixture | Promise<FileSystemFixture>): void => {
  describe(`FileSystem contract: ${name}`, () => {
    let fx: FileSystemFixture;
    let fs: FileSystem;
    const p = (rel: string): string => `${fx.root.replace(/\/$/, '')}/${rel}`;
    const put = async (rel: string, content: string): Promise<void> => {
      const fh = await fs.open(p(rel), 'w', 0o644);
      await writeFully(fh, bytes(content));
      await fh.close();
    };
    const read = async (rel: string): Promise<string> => text(await fs.readFile(p(rel)));

    beforeEach(async () => {
      fx = await make();
      fs = fx.fs;
    });
    afterEach(async () => {
      await fx.cleanup?.();
    });

    describe('open', () => {
      it("'wx' creates a new file and fails with EEXIST when anything is there, a symlink included", async () => {
        const fh = await fs.open(p('a'), 'wx', 0o600);
        await writeFully(fh, bytes('new'));
        await fh.close();
        expect(await read('a')).toBe('new');
        await expectCode('EEXIST', () => fs.open(p('a'), 'wx', 0o600));
        await fs.symlink(p('target'), p('link'));
        await expectCode('EEXIST', () => fs.open(p('link'), 'wx', 0o600));
        await expectCode('ENOENT', () => fs.stat(p('target')));
      });

      it("'w' truncates, 'a' appends, 'r+' needs the file, 'r' cannot write", async () => {
        await put('f', 'hello world');
        await put('f', 'bye');
        expect(await read('f')).toBe('bye');
        const a = await fs.open(p('f'), 'a');
        await writeFully(a, bytes('!'));
        await a.close();
        expect(await read('f')).toBe('bye!');
        await expectCode('ENOENT', () => fs.open(p('missing'), 'r+'));
        await expectCode('ENOENT', () => fs.open(p('missing'), 'r'));
        const r = await fs.open(p('f'), 'r');
        const e = await failure(() => r.write(bytes('x'), 0, 1, null));
        expect(e.code).toBe('EBADF');
        await r.close();
      });

      it('gives ENOENT for a missing parent, ENOTDIR for a file used as a directory, EISDIR for writing a directory', async () => {
        await put('file', 'x');
        await expectCode('ENOENT', () => fs.open(p('nodir/a'), 'wx', 0o644));
        await expectCode('ENOTDIR', () => fs.open(p('file/a'), 'w', 0o644));
        await expectCode('ENOTDIR', () => fs.stat(p('file/a')));
        await fs.mkdir(p('d'));
        await expectCode('EISDIR', () => fs.open(p('d'), 'w', 0o644));
        await expectCode('EISDIR', () => fs.readFile(p('d')));
      });

      it('creates files with the given mode (under the umask); chmod sets it exactly', async () => {
        const fh = await fs.open(p('m'), 'wx', 0o600);
        await fh.close();
        expect((await fs.stat(p('m'))).mode & 0o777).toBe(0o600);
        await fs.chmod(p('m'), 0o751);
        expect((await fs.stat(p('m'))).mode & 0o777).toBe(0o751);
      });
    });

    describe('handles', () => {
      it('write at a position and at the current position; a write returns how many bytes it took', async () => {
        const fh = await fs.open(p('w'), 'w', 0o644);
        const n = await fh.write(bytes('abcdef'), 2, 3, null);
        expect(n).toBeGreaterThan(0);
        expect(n).toBeLessThanOrEqual(3);
        if (n < 3) await writeFully(fh, bytes('abcdef').subarray(2 + n, 5));
        await fh.write(bytes('Z'), 0, 1, 0);
        await fh.close();
        expect(await read('w')).toBe('Zde');
      });

      it('reads short at the end of the file and 0 past it, at a position or the current one', async () => {
        await put('r', '0123456789');
        const fh = await fs.open(p('r'), 'r');
        const buf = new Uint8Array(8);
        expect(await fh.read(buf, 0, 4, null)).toBe(4);
        expect(text(buf.subarray(0, 4))).toBe('0123');
        expect(await fh.read(buf, 0, 8, null)).toBe(6);
        expect(text(buf.subarray(0, 6))).toBe('456789');
        expect(await fh.read(buf, 0, 8, null)).toBe(0);
        expect(await fh.read(buf, 2, 3, 7)).toBe(3);
        expect(text(buf.subarray(2, 5))).toBe('789');
        expect(await fh.read(buf, 0, 8, 100)).toBe(0);
        await fh.close();
      });

      it('stat, truncate, sync and datasync work on an open file', async () => {
        const fh = await fs.open(p('h'), 'w', 0o644);
        await writeFully(fh, bytes('123456'));
        await fh.sync();
        await fh.datasync();
        expect((await fh.stat()).size).toBe(6);
        await fh.truncate(2);
        expect((await fh.stat()).size).toBe(2);
        await fh.close();
        expect(await read('h')).toBe('12');
      });
    });

    describe('reading whole files', () => {
      it('readFile returns the bytes; readStream yields them in chunks of at most chunkSize, start and end inclusive', async () => {
        const content = 'x'.repeat(1000) + 'y'.repeat(1000);
        await put('big', content);
        expect(await read('big')).toBe(content);
        const chunks: Uint8Array[] = [];
        for await (const c of fs.readStream(p('big'), { chunkSize: 300 })) chunks.push(c);
        expect(chunks.every((c) => c.length <= 300)).toBe(true);
        expect(chunks.map(text).join('')).toBe(content);
        let part = '';
        for await (const c of fs.readStream(p('big'), { start: 995, end: 1004 })) part += text(c);
        expect(part).toBe('xxxxxyyyyy');
        let empty = 0;
        await put('empty', '');
        for await (const c of fs.readStream(p('empty'))) empty += c.length;
        expect(empty).toBe(0);
      });

      it('readStream of a missing file rejects with ENOENT', async () => {
        await expectCode('ENOENT', async () => {
          for await (const _ of fs.readStream(p('nope'))) void _;
        });
      });
    });

    describe('metadata', () => {
      it('stat follows symlinks, lstat does not; kinds, sizes, inodes and link counts', async () => {
        await put('f', 'abc');
        await fs.mkdir(p('d'));
        await fs.symlink(p('f'), p('s'));
        const f = await fs.stat(p('f'));
        expect(f).toMatchObject({ kind: 'file', size: 3, nlink: 1 });
        expect((await fs.stat(p('d'))).kind).toBe('directory');
        expect((await fs.lstat(p('s'))).kind).toBe('symlink');
        const viaLink = await fs.stat(p('s'));
        expect(viaLink).toMatchObject({ kind: 'file', size: 3, ino: f.ino });
        await fs.symlink(p('gone'), p('dangling'));
        expect((await fs.lstat(p('dangling'))).kind).toBe('symlink');
        await expectCode('ENOENT', () => fs.stat(p('dangling')));
        await expectCode('ENOENT', () => fs.lstat(p('missing')));
      });

      it('utimes sets the modification time', async () => {
        await put('t', 'x');
        await fs.utimes(p('t'), 1_700_000_000_000, 1_700_000_123_000);
        expect(Math.round((await fs.stat(p('t'))).mtimeMs)).toBe(1_700_000_123_000);
      });

      it.skipIf(process.getuid?.() !== 0)('chown on an open file gives it an owner stat reports, kept through a rename (needs root)', async () => {
        const fh = await fs.open(p('o.tmp'), 'wx', 0o640);
        expect(typeof fh.chown, 'the backend keeps owners').toBe('function');
        await fh.chown?.(42, 43);
        await writeFully(fh, bytes('owned'));
        await fh.close();
        await fs.rename(p('o.tmp'), p('o'));
        expect(await fs.stat(p('o'))).toMatchObject({ kind: 'file', uid: 42, gid: 43, mode: 0o100640 });
        expect(await fs.lstat(p('o'))).toMatchObject({ uid: 42, gid: 43 });
        await put('mine', 'x');
        expect(await fs.stat(p('mine'))).toMatchObject({ uid: process.getuid?.(), gid: process.getgid?.() });
      });

      it('realpath resolves symlinks and fails with ENOENT for a missing path', async () => {
        await fs.mkdir(p('real'));
        await put('real/f', 'x');
        await fs.symlink(p('real'), p('alias'));
        expect(await fs.realpath(p('alias/f'))).toBe(await fs.realpath(p('real/f')));
        expect((await fs.realpath(p('alias/f'))).endsWith('/real/f')).toBe(true);
        await expectCode('ENOENT', () => fs.realpath(p('alias/none')));
      });
    });

    describe('names', () => {
      it('rename moves a file and atomically replaces an existing target', async () => {
        await put('old', 'old');
        await put('new', 'new');
        const ino = (await fs.stat(p('new'))).ino;
        await fs.rename(p('new'), p('old'));
        expect(await read('old')).toBe('new');
        expect((await fs.stat(p('old'))).ino).toBe(ino);
        await expectCode('ENOENT', () => fs.stat(p('new')));
        await expectCode('ENOENT', () => fs.rename(p('new'), p('x')));
        await fs.mkdir(p('dir'));
        await expectCode('EISDIR', () => fs.rename(p('old'), p('dir')));
      });

      it('link makes a second name for the same inode and fails with EEXIST when the name is taken', async () => {
        await put('a', 'A');
        await put('b', 'B');
        await fs.link(p('a'), p('a2'));
        expect((await fs.stat(p('a'))).nlink).toBe(2);
        expect((await fs.stat(p('a2'))).ino).toBe((await fs.stat(p('a'))).ino);
        await expectCode('EEXIST', () => fs.link(p('a'), p('b')));
        expect(await read('b')).toBe('B');
        await expectCode('ENOENT', () => fs.link(p('none'), p('c')));
        await fs.unlink(p('a'));
        expect(await read('a2')).toBe('A');
        expect((await fs.stat(p('a2'))).nlink).toBe(1);
      });

      it('unlink removes a file or a symlink (not its target), ENOENT when missing, EISDIR for a directory', async () => {
        await put('u', 'x');
        await fs.symlink(p('u'), p('ul'));
        await fs.unlink(p('ul'));
        expect(await read('u')).toBe('x');
        await fs.unlink(p('u'));
        await expectCode('ENOENT', () => fs.unlink(p('u')));
        await fs.mkdir(p('d'));
        await expectCode('EISDIR', () => fs.unlink(p('d')));
      });

      it('copyFile copies, replaces unless exclusive (EEXIST), and keeps the source', async () => {
        await put('src', 'source');
        await fs.copyFile(p('src'), p('dst'));
        expect(await read('dst')).toBe('source');
        expect((await fs.stat(p('dst'))).ino).not.toBe((await fs.stat(p('src'))).ino);
        await put('other', 'other');
        await fs.copyFile(p('other'), p('dst'));
        expect(await read('dst')).toBe('other');
        await expectCode('EEXIST', () => fs.copyFile(p('src'), p('dst'), { exclusive: true }));
        expect(await read('dst')).toBe('other');
        await fs.copyFile(p('src'), p('clone'), { exclusive: true, clone: true });
        expect(await read('clone')).toBe('source');
        await expectCode('ENOENT', () => fs.copyFile(p('none'), p('x')));
      });
    });

    describe('directories', () => {
      it('readdir lists names without . and ..; ENOENT when missing, ENOTDIR for a file', async () => {
        await put('x', '1');
        await fs.mkdir(p('sub'));
        expect((await fs.readdir(fx.root)).sort()).toEqual(['sub', 'x']);
        expect(await fs.readdir(p('sub'))).toEqual([]);
        await expectCode('ENOENT', () => fs.readdir(p('none')));
        await expectCode('ENOTDIR', () => fs.readdir(p('x')));
      });

      it('mkdir: EEXIST when taken, ENOENT without parent; recursive makes the chain and accepts an existing directory', async () => {
        await fs.mkdir(p('d'));
        await expectCode('EEXIST', () => fs.mkdir(p('d')));
        await expectCode('ENOENT', () => fs.mkdir(p('a/b')));
        await fs.mkdir(p('a/b/c'), { recursive: true });
        expect((await fs.stat(p('a/b/c'))).kind).toBe('directory');
        await fs.mkdir(p('a/b/c'), { recursive: true });
        await put('file', 'x');
        await expectCode('ENOTDIR', () => fs.mkdir(p('file/sub'), { recursive: true }));
      });

      it('rmdir removes an empty directory; ENOTEMPTY, ENOENT and ENOTDIR otherwise', async () => {
        await fs.mkdir(p('e'));
        await fs.rmdir(p('e'));
        await expectCode('ENOENT', () => fs.stat(p('e')));
        await fs.mkdir(p('full'));
        await put('full/f', 'x');
        await expectCode('ENOTEMPTY', () => fs.rmdir(p('full')));
        await expectCode('ENOENT', () => fs.rmdir(p('e')));
        await expectCode('ENOTDIR', () => fs.rmdir(p('full/f')));
      });

      it('syncDir succeeds on a directory and fails with ENOENT for a missing one', async () => {
        await fs.mkdir(p('s'));
        await put('s/f', 'x');
        await fs.syncDir(p('s'));
        await fs.syncDir(fx.root);
        await expectCode('ENOENT', () => fs.syncDir(p('none')));
      });
    });

    it('rejects with TxfsError carrying the errno code and the path', async () => {
      const e = await failure(() => fs.readFile(p('absent')));
      expect(e.code).toBe('ENOENT');
      expect(e.path).toBe(p('absent'));
      expect(e.message).toContain('ENOENT');
    });
  });
};
