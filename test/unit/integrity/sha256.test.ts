import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { hashFile, sha256Of } from '../../../src/integrity/sha256.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sha256', () => {
  it('hashes bytes and strings like sha256sum', () => {
    expect(sha256Of('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Of(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes a multi-chunk file the same as sha256sum does', async () => {
    const p = path.join(dir, 'big.bin');
    const content = Buffer.alloc(300 * 1024 + 7);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31) & 0xff;
    fs.writeFileSync(p, content);
    const expected = execFileSync('sha256sum', [p]).toString().split(' ')[0];
    expect(await hashFile(nodeFileSystem, p)).toBe(expected);
    expect(sha256Of(content)).toBe(expected);
  });

  it('rejects with ENOENT for a missing file and EISDIR for a directory', async () => {
    await expect(hashFile(nodeFileSystem, path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
    const e = await hashFile(nodeFileSystem, dir).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TxfsError);
    expect((e as TxfsError).code).toBe('EISDIR');
  });

  it('hashes files of every size around its buffers (64 KiB first, then 1 MiB) in as many reads as that takes', async () => {
    const K = 64 * 1024;
    const M = 1024 * 1024;
    for (const [size, reads] of [[0, 1], [1, 2], [K - 1, 2], [K, 2], [K + 1, 3], [K + M, 3], [K + M + 5, 4], [K + 3 * M + 2, 6]] as const) {
      const p = path.join(dir, `s-${size}.bin`);
      const content = Buffer.alloc(size);
      for (let i = 0; i < size; i++) content[i] = (i * 7 + (i >> 16)) & 0xff;
      fs.writeFileSync(p, content);
      const faulty = createFaultyFileSystem(nodeFileSystem);
      expect(await hashFile(faulty, p)).toBe(sha256Of(content));
      expect(faulty.trace.filter((c) => c.kind === 'read').length).toBe(reads);
      expect(faulty.trace.map((c) => c.kind).at(-1)).toBe('close');
    }
  });

  it('a read that fails part way rejects with its errno, and the file is closed', async () => {
    const p = path.join(dir, 'fails.bin');
    fs.writeFileSync(p, Buffer.alloc(3 * 1024 * 1024, 1));
    const faulty = createFaultyFileSystem(nodeFileSystem, [{ kind: 'read', nth: 3, errno: 'EIO' }]);
    await expect(hashFile(faulty, p)).rejects.toMatchObject({ code: 'EIO', path: p });
    expect(faulty.trace.map((c) => c.kind).at(-1)).toBe('close');
  });
});
