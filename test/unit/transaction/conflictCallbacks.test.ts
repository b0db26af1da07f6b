/**
 * `onConcurrentChange` given as a callback: a file the transaction depends on changes after it looked and before its
 * commit point (another program writes it while the transaction stages its first temp file). Each answer of the
 * callback is checked on a real directory: what it was asked, what the disk holds after, what the result says.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import type { Conflict, ConflictResolution } from '../../../src/types.js';
import { makeFixture, type Fixture } from './storeFixture.js';

const fixtures: Fixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.done();
});

/**
 * A node file system that runs `meddle` (once): just before the first temp file is created ('stage'), or when the
 * first backup directory is synced, that is once the backups exist ('protected').
 */
const meddlingFs = (meddle: { run?: () => void }, when: 'stage' | 'protected'): FileSystem => {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    meddle.run?.();
  };
  return {
    ...nodeFileSystem,
    open: async (p, flags, mode) => {
      // A temp of the transaction's own (the state directory's, e.g. the journal marker's at open, does not count).
      if (when === 'stage' && p.endsWith('.txfs-tmp') && !p.includes(`${path.sep}.txfs${path.sep}`)) once();
      return nodeFileSystem.open(p, flags, mode);
    },
    syncDir: async (p) => {
      if (when === 'protected' && p.includes(`${path.sep}backups`)) once();
      return nodeFileSystem.syncDir(p);
    },
  };
};

/** A fixture whose files are changed by `outside(root)` while the first transaction stages (or once it protected). */
const setup = async (files: Record<string, string>, outside: (root: string) => void, when: 'stage' | 'protected' = 'stage'): Promise<Fixture> => {
  const meddle: { run?: () => void } = {};
  const f = await makeFixture(files, { fs: meddlingFs(meddle, when) });
  fixtures.push(f);
  meddle.run = () => outside(f.root);
  return f;
};

/** A callback answering `answer` and remembering what it was asked. */
const answering = (answer: ConflictResolution): { asked: Conflict[]; policy: (c: Conflict) => Promise<ConflictResolution> } => {
  const asked: Conflict[] = [];
  return { asked, policy: async (c) => (asked.push(c), answer) };
};

const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => String((e as { code?: unknown }).code),
  );

describe('onConcurrentChange as a callback', () => {
  it("'rename': the new content lands at 'name (1).ext', the outside version stays, the callback saw the changed file", async () => {
    const f = await setup({ 'a.txt': 'old a', 'b.txt': 'old b' }, (root) => fs.writeFileSync(path.join(root, 'a.txt'), 'outside!'));
    const cb = answering('rename');
    const r = await f.store.begin({ onConcurrentChange: cb.policy }).writeFile('a.txt', 'new a').writeFile('b.txt', 'new b').commit();
    expect(cb.asked).toHaveLength(1);
    expect(cb.asked[0]).toMatchObject({ kind: 'changed', path: 'a.txt', current: { size: 'outside!'.length } });
    expect(f.read('a.txt')).toBe('outside!');
    expect(f.read('a (1).txt')).toBe('new a');
    expect(f.read('b.txt')).toBe('new b');
    expect(r.files.map((x) => x.path).sort()).toEqual(['a (1).txt', 'b.txt']);
    expect(f.temps()).toEqual([]);
  });

  it("'keep-both': the new content lands at 'name (conflict <time>).ext' beside the outside version", async () => {
    const f = await setup({ 'a.txt': 'old a' }, (root) => fs.writeFileSync(path.join(root, 'a.txt'), 'outside!'));
    const cb = answering('keep-both');
    await f.store.begin({ onConcurrentChange: cb.policy }).writeFile('a.txt', 'new a').commit();
    expect(cb.asked.map((c) => c.path)).toEqual(['a.txt']);
    expect(f.read('a.txt')).toBe('outside!');
    const beside = f.files().filter((p) => /^a \(conflict \d{4}-\d{2}-\d{2} \d{6}\)\.txt$/.test(p));
    expect(beside).toHaveLength(1);
    expect(f.read(beside[0] as string)).toBe('new a');
    expect(f.temps()).toEqual([]);
  });

  it("'cancel': ECONFLICT naming the path, nothing of the transaction lands, no temp or lock is left", async () => {
    const f = await setup({ 'a.txt': 'old a', 'b.txt': 'old b' }, (root) => fs.writeFileSync(path.join(root, 'a.txt'), 'outside!'));
    const cb = answering('cancel');
    const err = await f.store.begin({ onConcurrentChange: cb.policy }).writeFile('a.txt', 'new a').writeFile('b.txt', 'new b').commit().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'changed', path: 'a.txt' } });
    expect([f.read('a.txt'), f.read('b.txt')]).toEqual(['outside!', 'old b']);
    expect(f.temps()).toEqual([]);
    // The paths are free again: a second transaction commits at once.
    await f.store.begin().writeFile('a.txt', 'later').commit();
    expect(f.read('a.txt')).toBe('later');
  });

  it("'overwrite' of a target deleted behind the transaction: the conflict has no current content, the new content lands", async () => {
    const f = await setup({ 'a.txt': 'old a' }, (root) => fs.rmSync(path.join(root, 'a.txt')), 'protected');
    const cb = answering('overwrite');
    await f.store.begin({ onConcurrentChange: cb.policy }).writeFile('a.txt', 'new a').commit();
    expect(cb.asked).toEqual([{ kind: 'changed', path: 'a.txt' }]);
    expect(f.read('a.txt')).toBe('new a');
    expect(f.temps()).toEqual([]);
    // The backup taken before the deletion is dropped (there is no current version to keep).
    expect(f.backups()).toEqual([]);
  });

  it("'rename' for a delete whose file changed: the delete is dropped (there is nothing to put beside), the rest lands", async () => {
    const f = await setup({ 'a.txt': 'old a', 'b.txt': 'old b' }, (root) => fs.writeFileSync(path.join(root, 'a.txt'), 'outside!'));
    const cb = answering('rename');
    const r = await f.store.begin({ onConcurrentChange: cb.policy }).delete('a.txt').writeFile('b.txt', 'new b').commit();
    expect(cb.asked.map((c) => c.path)).toEqual(['a.txt']);
    expect([f.read('a.txt'), f.read('b.txt')]).toEqual(['outside!', 'new b']);
    expect(r.files.find((x) => x.path === 'a.txt')?.action).toBe('skipped');
    expect(f.files()).toEqual(['a.txt', 'b.txt']);
  });

  it("'skip' for a rename whose source changed: the rename is dropped, its temp and backups removed", async () => {
    const f = await setup({ 'src.txt': 'source', 'dst.txt': 'old dst', 'b.txt': 'old b' }, (root) => fs.writeFileSync(path.join(root, 'src.txt'), 'outside!'));
    const cb = answering('skip');
    const r = await f.store.begin({ onConcurrentChange: cb.policy }).writeFile('b.txt', 'new b').rename('src.txt', 'dst.txt').commit();
    expect(cb.asked.map((c) => c.path)).toEqual(['src.txt']);
    expect([f.read('src.txt'), f.read('dst.txt'), f.read('b.txt')]).toEqual(['outside!', 'old dst', 'new b']);
    expect(r.files.filter((x) => x.action === 'skipped').map((x) => x.path)).toEqual(['dst.txt']);
    expect(f.temps()).toEqual([]);
    // Only b.txt's backup is kept: the dropped rename's backups of dst.txt and src.txt are gone.
    expect(f.backups().map((p) => p.split('-')[0])).toEqual(['b']);
  });

  it("'skip' of every operation: the transaction reports 'skipped' and the disk keeps the outside change", async () => {
    const f = await setup({ 'a.txt': 'old a' }, (root) => fs.writeFileSync(path.join(root, 'a.txt'), 'outside!'));
    const r = await f.store.begin({ onConcurrentChange: answering('skip').policy }).writeFile('a.txt', 'new a').commit();
    expect(r.status).toBe('skipped');
    expect(f.read('a.txt')).toBe('outside!');
    expect(f.temps()).toEqual([]);
  });

  it("expect(path, { sha256 }) on a path that became a directory or vanished is a 'changed' conflict", async () => {
    const f = await setup({ 'a.txt': 'old a', 'pinned.txt': 'pin', 'gone.txt': 'g' }, (root) => {
      fs.rmSync(path.join(root, 'pinned.txt'));
      fs.mkdirSync(path.join(root, 'pinned.txt'));
      fs.rmSync(path.join(root, 'gone.txt'));
    });
    const sha = (s: string): string => sha256Of(Buffer.from(s));
    const cb = answering('cancel');
    const code = await codeOf(
      f.store.begin({ onConcurrentChange: cb.policy }).expect('pinned.txt', { sha256: sha('pin') }).expect('gone.txt', { sha256: sha('g') }).writeFile('a.txt', 'new a').commit(),
    );
    expect(code).toBe('ECONFLICT');
    expect(cb.asked[0]?.path).toBe('pinned.txt');
    expect(f.read('a.txt')).toBe('old a');
  });

  it("expect(path, 'absent') on a path created behind the transaction; 'overwrite' goes on", async () => {
    const f = await setup({ 'a.txt': 'old a' }, (root) => fs.writeFileSync(path.join(root, 'new.txt'), 'appeared'));
    const cb = answering('overwrite');
    await f.store.begin({ onConcurrentChange: cb.policy }).expect('new.txt', 'absent').writeFile('a.txt', 'new a').commit();
    expect(cb.asked).toMatchObject([{ kind: 'changed', path: 'new.txt', current: { size: 'appeared'.length } }]);
    expect([f.read('a.txt'), f.read('new.txt')]).toEqual(['new a', 'appeared']);
  });

  it.each(['rename', 'skip'] as const)("a new file created behind the transaction at its target, answered '%s': the outside file stays", async (answer) => {
    const f = await setup({ 'b.txt': 'old b' }, (root) => fs.writeFileSync(path.join(root, 'new.txt'), 'outside!'));
    const cb = answering(answer);
    await f.store.begin({ onConcurrentChange: cb.policy }).writeFile('new.txt', 'mine').writeFile('b.txt', 'new b').commit();
    expect(cb.asked).toMatchObject([{ kind: 'changed', path: 'new.txt', current: { size: 'outside!'.length } }]);
    expect(f.read('new.txt')).toBe('outside!');
    expect(f.read('new (1).txt')).toBe(answer === 'rename' ? 'mine' : undefined);
    expect(f.read('b.txt')).toBe('new b');
    expect(f.temps()).toEqual([]);
  });
});

describe('dropping a skipped operation when the disk fails', () => {
  it('an unlink error (EIO) while removing the skipped temp fails the commit: nothing of it lands', async () => {
    const meddle: { run?: () => void } = {};
    const ffs = createFaultyFileSystem(meddlingFs(meddle, 'stage'));
    const f = await makeFixture({ 'a.txt': 'old a', 'b.txt': 'old b' }, { fs: ffs });
    fixtures.push(f);
    meddle.run = () => fs.writeFileSync(path.join(f.root, 'a.txt'), 'outside!');
    const policy = async (): Promise<ConflictResolution> => {
      ffs.inject({ kind: 'unlink', nth: 1, errno: 'EIO', mode: 'once', pathIncludes: '.txfs-tmp' });
      return 'skip';
    };
    const outcome = await codeOf(f.store.begin({ onConcurrentChange: policy }).writeFile('a.txt', 'new a').writeFile('b.txt', 'new b').commit());
    expect(outcome).toBe('EIO');
    expect(ffs.fired.map((c) => c.kind)).toEqual(['unlink']);
    expect([f.read('a.txt'), f.read('b.txt')]).toEqual(['outside!', 'old b']);
    // The rollback removes the temp the failed unlink left.
    expect(f.temps()).toEqual([]);
  });
});
