/**
 * stageCopy's hash of a source nothing vouches for: read from the source beside the kernel's copy when the source is
 * large, used only when the path still names the file that was read; otherwise (small, changed, swapped, unreadable)
 * the staged copy is read. Real files through the node adapter, its calls recorded by the fault injector.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { READ_BESIDE_MIN, stageCopy } from '../../../src/ops/stageFile.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-copy-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (): { source: string; temp: string } => {
  counter += 1;
  return { source: path.join(dir, `src-${counter}.dat`), temp: path.join(dir, `.dst-${counter}.0.txfs-tmp`) };
};
const content = (size: number, seed: number): Buffer => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) b[i] = (i / 4096 + seed) & 0xff;
  return b;
};
const big = READ_BESIDE_MIN * 2 + 5;
/** Paths the recorded calls read through a handle. */
const readFrom = (trace: readonly { readonly kind: string; readonly path: string }[]): Set<string> => new Set(trace.filter((c) => c.kind === 'read').map((c) => c.path));
const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

describe('stageCopy: the SHA-256 of a source new to the store', () => {
  it('reads a large source beside the copy, and not the copy', async () => {
    const { source, temp } = fresh();
    const bytes = content(big, 1);
    fs.writeFileSync(source, bytes);
    const faulty = createFaultyFileSystem(nodeFileSystem);
    const fds = openFds();
    const s = await stageCopy(faulty, source, temp, { mode: 0o644, sourceSize: big });
    expect(s).toMatchObject({ tempPath: temp, size: big, sha256: sha256Of(bytes) });
    expect([...readFrom(faulty.trace)]).toEqual([source]);
    // The source was opened before the copy began.
    const kinds = faulty.trace.map((c) => `${c.kind}:${c.path === source ? 'source' : 'temp'}`);
    expect(kinds.indexOf('open:source')).toBeLessThan(kinds.indexOf('copyFile:source'));
    expect(fs.readFileSync(temp).equals(bytes)).toBe(true);
    expect(openFds()).toBe(fds);
  });

  it('reads the copy of a small source after the copy (beside its fdatasync)', async () => {
    const { source, temp } = fresh();
    const bytes = content(READ_BESIDE_MIN - 1, 2);
    fs.writeFileSync(source, bytes);
    const faulty = createFaultyFileSystem(nodeFileSystem);
    const s = await stageCopy(faulty, source, temp, { mode: 0o644, sourceSize: bytes.length });
    expect(s.sha256).toBe(sha256Of(bytes));
    expect([...readFrom(faulty.trace)]).toEqual([temp]);
  });

  it('a rename over the source while it is copied: the hash read beside is not used, the copy is read', async () => {
    const { source, temp } = fresh();
    const first = content(big, 3);
    const second = content(big, 4); // the same size: only the inode tells them apart
    fs.writeFileSync(source, first);
    fs.writeFileSync(`${source}.new`, second);
    const base = createFaultyFileSystem(nodeFileSystem);
    // Another program saves the source (write a temp, rename it over) just as the copy starts.
    const saving: FileSystem = {
      ...base,
      copyFile: async (from, to, o) => {
        fs.renameSync(`${source}.new`, source);
        return base.copyFile(from, to, o);
      },
    };
    const s = await stageCopy(saving, source, temp, { mode: 0o644, sourceSize: big });
    expect(fs.readFileSync(temp).equals(second)).toBe(true);
    expect(s.sha256).toBe(sha256Of(second));
    expect(readFrom(base.trace)).toEqual(new Set([source, temp]));
  });

  it('a write to the source in place while it is read: the copy is read', async () => {
    const { source, temp } = fresh();
    const first = content(big, 5);
    fs.writeFileSync(source, first);
    const base = createFaultyFileSystem(nodeFileSystem);
    // The source's reads wait until the copy is made and the source then grown: what is read beside is not what was copied.
    let copied: () => void = () => undefined;
    const grown = new Promise<void>((r) => (copied = r));
    const holding: FileSystem = {
      ...base,
      open: async (p, flags, mode) => {
        const fh = await base.open(p, flags, mode);
        return p === source ? { ...fh, read: async (...a) => grown.then(() => fh.read(...a)) } : fh;
      },
      copyFile: async (from, to, o) => {
        await base.copyFile(from, to, o);
        fs.appendFileSync(source, 'more');
        copied();
      },
    };
    const s = await stageCopy(holding, source, temp, { mode: 0o644, sourceSize: big });
    expect(fs.readFileSync(temp).equals(first)).toBe(true);
    expect(s).toMatchObject({ size: first.length, sha256: sha256Of(first) });
    expect(readFrom(base.trace)).toEqual(new Set([source, temp]));
  });

  it('a source that fails to read (EIO) beside the copy: the copy is read instead, and the source closed', async () => {
    const { source, temp } = fresh();
    const bytes = content(big, 6);
    fs.writeFileSync(source, bytes);
    const faulty = createFaultyFileSystem(nodeFileSystem, [{ kind: 'read', nth: 2, errno: 'EIO', pathIncludes: path.basename(source) }]);
    const fds = openFds();
    const s = await stageCopy(faulty, source, temp, { mode: 0o644, sourceSize: big });
    expect(faulty.fired.map((c) => c.path)).toEqual([source]);
    expect(s.sha256).toBe(sha256Of(bytes));
    expect(readFrom(faulty.trace)).toEqual(new Set([source, temp]));
    expect(openFds()).toBe(fds);
  });

  it('a copy that fails (ENOSPC) rejects with it, once the source is read and closed, and leaves no temp', async () => {
    const { source, temp } = fresh();
    fs.writeFileSync(source, content(big, 7));
    const faulty = createFaultyFileSystem(nodeFileSystem, [{ kind: 'copyFile', nth: 1, errno: 'ENOSPC' }]);
    const fds = openFds();
    await expect(stageCopy(faulty, source, temp, { mode: 0o644, sourceSize: big })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(fs.existsSync(temp)).toBe(false);
    expect(openFds()).toBe(fds);
  });

  it('a fdatasync that fails (EIO) rejects with it and leaves no temp, the source closed', async () => {
    const { source, temp } = fresh();
    fs.writeFileSync(source, content(big, 8));
    const faulty = createFaultyFileSystem(nodeFileSystem, [{ kind: 'datasync', nth: 1, errno: 'EIO' }]);
    const fds = openFds();
    await expect(stageCopy(faulty, source, temp, { mode: 0o644, sourceSize: big })).rejects.toMatchObject({ code: 'EIO' });
    expect(fs.existsSync(temp)).toBe(false);
    expect(openFds()).toBe(fds);
  });
});
