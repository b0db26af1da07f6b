import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { SMALL_WRITE_BYTES, nodeFileSystem } from '../../../src/fs/node.js';
import { describeFileSystem } from '../../contract/fileSystem.js';

// The node adapter is a FileSystem (a type test: this line does not compile otherwise).
const adapter = nodeFileSystem satisfies FileSystem;

describeFileSystem('node adapter on a real temp dir', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  return { fs: adapter, root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
});

describe('node adapter specifics', () => {
  it('wraps the original error as cause, with the syscall', async () => {
    const e = (await nodeFileSystem.stat('/nonexistent/txfs').catch((x: unknown) => x)) as { cause: NodeJS.ErrnoException; syscall: string };
    expect(e.cause.code).toBe('ENOENT');
    expect(e.syscall).toBe('stat');
  });

  const fds = (): number => fs.readdirSync('/proc/self/fd').length;

  it('answers EBADF for every call on a closed handle without touching the descriptor, and closes once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    try {
      const before = fds();
      const fh = await nodeFileSystem.open(path.join(dir, 'a'), 'w');
      await fh.close();
      // The descriptor's number goes to the next open: a late write through the closed handle must not reach it.
      const other = await nodeFileSystem.open(path.join(dir, 'b'), 'w');
      for (const late of [fh.write(Buffer.from('x'), 0, 1, null), fh.read(Buffer.alloc(1), 0, 1, 0), fh.datasync(), fh.sync(), fh.stat(), fh.truncate(0)]) {
        await expect(late).rejects.toMatchObject({ code: 'EBADF' });
      }
      await expect(fh.close()).resolves.toBeUndefined();
      await other.close();
      expect(fs.readFileSync(path.join(dir, 'b'), 'utf8')).toBe('');
      expect(fds()).toBe(before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("syncDir resolves once the fsync is done and the directory's descriptor closed", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    try {
      const before = fds();
      for (let i = 0; i < 50; i++) {
        await nodeFileSystem.syncDir(dir);
        expect(fds()).toBe(before);
      }
      await expect(nodeFileSystem.syncDir(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a new temp's small writes and its close are done when the call returns; a larger write is right; open's errors are rejections", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    try {
      const before = fds();
      const p = path.join(dir, 'temp');
      const fh = await nodeFileSystem.open(p, 'wx', 0o600);
      expect(fs.statSync(p).mode & 0o777).toBe(0o600);
      const small = fh.write(Buffer.from('hello'), 0, 5, null);
      // Written before the promise is awaited: the write ran at once, not on the thread pool.
      expect(fs.readFileSync(p, 'utf8')).toBe('hello');
      await expect(small).resolves.toBe(5);
      const big = Buffer.alloc(SMALL_WRITE_BYTES + 1, 'b');
      await expect(fh.write(big, 0, big.length, null)).resolves.toBe(big.length);
      await fh.datasync();
      const closing = fh.close();
      expect(fds()).toBe(before);
      await closing;
      expect(fs.readFileSync(p).equals(Buffer.concat([Buffer.from('hello'), big]))).toBe(true);
      // An open that fails rejects (it never throws at the caller), with the syscall and the path.
      let again: Promise<unknown> | undefined;
      expect(() => {
        again = nodeFileSystem.open(p, 'wx');
      }).not.toThrow();
      await expect(again).rejects.toMatchObject({ code: 'EEXIST', syscall: 'open', path: p });
      await expect(nodeFileSystem.open(path.join(dir, 'missing', 'temp'), 'wx')).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
