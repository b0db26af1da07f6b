import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { describeFileSystem } from '../../contract/fileSystem.js';

describeFileSystem('fault injector over the node adapter, no fault armed', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  return { fs: createFaultyFileSystem(nodeFileSystem), root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('createFaultyFileSystem', () => {
  it('fails exactly the nth call of a kind, once, as a TxfsError with the errno', async () => {
    const f = createFaultyFileSystem(nodeFileSystem, [{ kind: 'stat', nth: 2, errno: 'EIO' }]);
    await f.stat(dir);
    const e = await f.stat(dir).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TxfsError);
    expect(e).toMatchObject({ code: 'EIO', path: dir });
    await f.stat(dir);
    expect(f.fired.map((c) => c.index)).toEqual([1]);
  });

  it("keeps failing with mode 'always', and only counts matching paths with pathIncludes", async () => {
    const f = createFaultyFileSystem(nodeFileSystem);
    f.inject({ kind: '*', nth: 1, errno: 'ENOSPC', mode: 'always', pathIncludes: 'full' });
    await f.readdir(dir);
    await expect(f.open(path.join(dir, 'full-1'), 'w')).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(f.open(path.join(dir, 'full-2'), 'w')).rejects.toMatchObject({ code: 'ENOSPC' });
    f.clearFaults();
    const fh = await f.open(path.join(dir, 'full-3'), 'w');
    await fh.close();
  });

  it('records every call, handle calls included, and forces short writes', async () => {
    const f = createFaultyFileSystem(nodeFileSystem);
    f.limitWrites(2);
    const p = path.join(dir, 'short');
    const fh = await f.open(p, 'w');
    expect(await fh.write(Buffer.from('abcdef'), 0, 6, null)).toBe(2);
    await fh.close();
    expect(fs.readFileSync(p, 'utf8')).toBe('ab');
    expect(f.trace.map((c) => c.kind)).toEqual(['open', 'write', 'close']);
  });

  it('still releases the descriptor when close is made to fail', async () => {
    const f = createFaultyFileSystem(nodeFileSystem, [{ kind: 'close', nth: 1, errno: 'EIO' }]);
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    const fh = await f.open(path.join(dir, 'c'), 'w');
    expect(fds()).toBe(before + 1);
    await expect(fh.close()).rejects.toMatchObject({ code: 'EIO' });
    expect(fds()).toBe(before);
  });
});
