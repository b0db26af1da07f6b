/**
 * The manifest's size, mtime and inode describe the file the store put in place (its staged temp, as it was closed),
 * not whatever the target's name leads to a moment after the rename: a file another program puts there right after
 * it is never vouched for as the store's.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import type { Store } from '../../../src/types.js';
import { decodeManifest, manifestKey } from '../../../src/journal/records/txRecord.js';
import { storeContextOf } from '../../../src/store/openStore.js';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

/** A disk on which another program replaces `name` (with `content`) right after txfs renames its temp there, once. */
const replacingAfterRename = (name: string, content: string): FileSystem => {
  let armed = true;
  return {
    ...nodeFileSystem,
    rename: async (from, to) => {
      await nodeFileSystem.rename(from, to);
      if (armed && from.endsWith('.txfs-tmp') && path.basename(to) === name) {
        armed = false;
        const theirs = path.join(path.dirname(to), `.${name}.theirs`);
        fs.writeFileSync(theirs, content);
        fs.renameSync(theirs, to);
      }
    },
  };
};

describe('the manifest entry of a file written', () => {
  it.each([
    ['a write', (store: Store) => store.writeFile('a.txt', 'ours-123')],
    ['a rename', (store: Store) => store.transaction((tx) => void tx.rename('from.txt', 'a.txt'))],
  ])('is the staged file after %s, so a file put in its place right after the rename is reported changed, and its backup restores it', async (_what, write) => {
    // Same size as what the store writes: only the inode (and mtime) can tell the two apart.
    const f = await fixture({ 'a.txt': 'original', 'from.txt': 'ours-123' }, { fs: replacingAfterRename('a.txt', 'theirs-1') });
    await write(f.store);
    expect(f.read('a.txt')).toBe('theirs-1');

    // The quick check (size, mtime, inode) does not take their file for the store's.
    const status = await f.store.status();
    expect(status.externallyChanged).toEqual([expect.objectContaining({ path: 'a.txt', kind: 'modified' })]);
    // A full check calls it changed (by another program), not corrupted (damage behind an unchanged stat).
    const report = await f.store.verify();
    expect(report.problems).toEqual([expect.objectContaining({ path: 'a.txt', kind: 'changed' })]);

    // The next write keeps their version as a backup that says what it holds: marked damaged (not what the store
    // wrote), with their checksum, and restorable by its id.
    await f.store.writeFile('a.txt', 'next');
    const [theirs] = await f.store.backups.list('a.txt');
    expect(theirs).toMatchObject({ damaged: true, size: 8, sha256: createHash('sha256').update('theirs-1').digest('hex') });
    await f.store.backups.restore('a.txt', { backup: theirs?.id ?? 'none' });
    expect(f.read('a.txt')).toBe('theirs-1');
    expect((await f.store.verify()).problems).toEqual([]);
  });

  it('holds the size, mtime and inode of the file the store put in place (a write, a copy, a rename) when nothing replaced it', async () => {
    const f = await fixture({ 'a.txt': 'original', 'b.txt': 'original' });
    await f.store.writeFile('a.txt', 'ours-123');
    await f.store.transaction((tx) => void tx.writeFile('b.txt', 'ours-4567').copy('a.txt', 'c.txt'));
    await f.store.transaction((tx) => void tx.rename('b.txt', 'd.txt'));
    // An inspection waits for the finishes still riding on the next commit: the manifest is written by then.
    expect((await f.store.status()).externallyChanged).toEqual([]);
    const { journal } = storeContextOf(f.store).env;
    for (const rel of ['a.txt', 'c.txt', 'd.txt']) {
      const st = fs.statSync(path.join(f.root, rel));
      const entry = decodeManifest(manifestKey(rel), await journal.get(manifestKey(rel)));
      expect({ rel, size: entry.size, mtimeMs: entry.mtimeMs, ino: entry.ino }).toEqual({ rel, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
    }
    expect((await f.store.verify()).problems).toEqual([]);
  });

  it("fails a rename whose second name cannot be stat'ed, leaving both files as they were and no temp", async () => {
    const ffs = createFaultyFileSystem(nodeFileSystem, [{ kind: 'lstat', nth: 1, errno: 'EIO', pathIncludes: '.txfs-tmp' }]);
    const f = await fixture({ 'a.txt': 'original', 'from.txt': 'ours-123' }, { fs: ffs });
    const err = await f.store.transaction((tx) => void tx.rename('from.txt', 'a.txt')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EIO', path: 'a.txt' });
    expect(ffs.fired).toHaveLength(1);
    expect([f.read('a.txt'), f.read('from.txt')]).toEqual(['original', 'ours-123']);
    expect(f.temps()).toEqual([]);
    expect((await f.store.status()).openTransactions).toEqual([]);
  });
});
