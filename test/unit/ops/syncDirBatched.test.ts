import { describe, expect, it } from 'vitest';
import { errnoError, fromOsError } from '../../../src/errors.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { syncDirBatched } from '../../../src/ops/syncDirBatched.js';

/** A FileSystem whose syncDir calls are held until released, recording when each started. */
const heldSyncs = () => {
  const started: string[] = [];
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const fs = {
    syncDir: (dir: string) =>
      new Promise<void>((resolve, reject) => {
        started.push(dir);
        pending.push({ resolve, reject });
      }),
  } as unknown as FileSystem;
  const tick = () => new Promise((r) => setImmediate(r));
  return { fs, started, pending, tick };
};

describe('syncDirBatched', () => {
  it('runs one fsync for a lone caller', async () => {
    const h = heldSyncs();
    const p = syncDirBatched(h.fs, '/d');
    expect(h.started).toEqual(['/d']);
    h.pending[0]?.resolve();
    await p;
  });

  it('makes callers arriving during a running fsync share exactly one more, started after it ends', async () => {
    const h = heldSyncs();
    let firstDone = false;
    const first = syncDirBatched(h.fs, '/d').then(() => (firstDone = true));
    const late = Array.from({ length: 10 }, () => syncDirBatched(h.fs, '/d'));
    await h.tick();
    expect(h.started).toEqual(['/d']);
    h.pending[0]?.resolve();
    await first;
    await h.tick();
    // The late callers' changes may postdate the first fsync: a second one covers them all.
    expect(h.started).toEqual(['/d', '/d']);
    let lateDone = false;
    const all = Promise.all(late).then(() => (lateDone = true));
    await h.tick();
    expect(firstDone && !lateDone).toBe(true);
    h.pending[1]?.resolve();
    await all;
    expect(h.started).toHaveLength(2);
  });

  it('keeps directories apart and hands a failure to everyone who waited on it', async () => {
    const h = heldSyncs();
    const a = syncDirBatched(h.fs, '/a');
    const b = syncDirBatched(h.fs, '/b');
    expect(h.started).toEqual(['/a', '/b']);
    h.pending[0]?.reject(fromOsError(errnoError('EIO', 'fsync', '/a'), '/a'));
    h.pending[1]?.resolve();
    await expect(a).rejects.toMatchObject({ code: 'EIO' });
    await b;
    const again = syncDirBatched(h.fs, '/a');
    expect(h.started).toEqual(['/a', '/b', '/a']);
    h.pending[2]?.resolve();
    await again;
  });
});
