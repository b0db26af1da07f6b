import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
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

  it("syncDir resolves once the fsync is done; the directory's descriptor is closed right after", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    try {
      const before = fds();
      for (let i = 0; i < 50; i++) await nodeFileSystem.syncDir(dir);
      await new Promise((r) => setTimeout(r, 50));
      expect(fds()).toBe(before);
      await expect(nodeFileSystem.syncDir(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
