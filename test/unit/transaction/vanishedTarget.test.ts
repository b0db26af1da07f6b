import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../src/fs/node.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

/** A disk on which another program deletes the file being backed up just before txfs links it into the backup store. */
const deletingBeforeBackup = (): FileSystem => {
  let armed = true;
  return {
    ...nodeFileSystem,
    link: async (existing, to) => {
      if (armed && to.includes('.txfs')) {
        armed = false;
        fs.rmSync(existing);
      }
      return nodeFileSystem.link(existing, to);
    },
  };
};

describe('a target deleted by another program between noting it and backing it up', () => {
  it('fails the transaction with ECONFLICT (changed), touching nothing and leaving no temp or backup', async () => {
    const f = await fixture({ 'a.txt': 'old a', 'b.txt': 'old b' }, { fs: deletingBeforeBackup() });
    const err = await f.store.begin().writeFile('a.txt', 'new a').writeFile('b.txt', 'new b').commit().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'changed' } });
    expect((err as Error).message).toMatch(/deleted by another program/);
    // Whichever of the two was deleted is gone (the other program did that); the other is untouched.
    expect(f.files().map((p) => [p, f.read(p)])).toEqual(f.files().includes('a.txt') ? [['a.txt', 'old a']] : [['b.txt', 'old b']]);
    expect(f.temps()).toEqual([]);
    expect(f.backups()).toEqual([]);
    // The paths are free again.
    await f.store.begin().writeFile('a.txt', 'later').commit();
    expect(f.read('a.txt')).toBe('later');
  });
});
