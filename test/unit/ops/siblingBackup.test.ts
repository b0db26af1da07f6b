import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { parseSiblingBackupName, siblingBackupName, siblingBackupPolicy } from '../../../src/ops/siblingBackup.js';

const cases = caseDirs();
const { at } = cases;
const T0 = Date.UTC(2026, 10, 25, 17, 5, 0);
const bak = (): string[] => fs.readdirSync(cases.dir).filter((f) => f.endsWith('.bak')).sort();

describe('sibling backups', () => {
  it('names backups <stem>-<YYYYMMDD-HHMMSS><suffix>.bak in UTC, numbering a second one in the same second', () => {
    expect(siblingBackupName('a.txt', T0)).toBe('a-20261125-170500.txt.bak');
    expect(siblingBackupName('a.txt', T0, 2)).toBe('a-20261125-170500-2.txt.bak');
    expect(siblingBackupName('Makefile', T0)).toBe('Makefile-20261125-170500.bak');
    expect(parseSiblingBackupName('a.txt', 'a-20261125-170500-2.txt.bak')).toEqual({ name: 'a-20261125-170500-2.txt.bak', time: T0, n: 2 });
  });

  it("recognises only the file's own backups: not a-b.txt's, not a.txt.bak, not other suffixes", () => {
    for (const other of ['a-b-20261125-170500.txt.bak', 'a-b.txt', 'a.txt.bak', 'a-20261125-170500.json.bak', 'a-2026112-170500.txt.bak', 'a-20261125-170500-0.txt.bak', 'xa-20261125-170500.txt.bak']) {
      expect(parseSiblingBackupName('a.txt', other)).toBeUndefined();
    }
    // A file whose own name looks like a backup stamp keeps its backups apart from a.txt's.
    expect(parseSiblingBackupName('a.txt', 'a-20261125-170500-20261125-170501.txt.bak')).toBeUndefined();
  });

  it('keeps the replaced content (hard link, O(1)) with its checksum, and writes the new content', async () => {
    fs.writeFileSync(at('a.txt'), 'v1');
    const inode = fs.statSync(at('a.txt')).ino;
    const r = await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v2', { backup: true }, { now: () => T0 });
    expect(r.backup).toMatchObject({ id: 'a-20261125-170500.txt.bak', path: at('a.txt'), file: at('a-20261125-170500.txt.bak'), size: 2, sha256: sha256Of('v1'), compressed: false });
    expect(r.backup?.createdAt.getTime()).toBe(T0);
    expect(fs.statSync(at('a-20261125-170500.txt.bak')).ino).toBe(inode);
    expect(fs.readFileSync(at('a-20261125-170500.txt.bak'), 'utf8')).toBe('v1');
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('v2');
  });

  it('makes no backup when the file did not exist', async () => {
    const r = await writeFileAtomicWith(nodeFileSystem, at('new.txt'), 'v1', { backup: true });
    expect(r.backup).toBeUndefined();
    expect(bak()).toEqual([]);
  });

  it("keeps the newest N of a.txt's backups and never prunes a-b.txt's", async () => {
    fs.writeFileSync(at('a.txt'), 'a0');
    fs.writeFileSync(at('a-b.txt'), 'b0');
    let t = T0;
    const clock = { now: () => t };
    for (let i = 1; i <= 3; i++) {
      t += 1000;
      await writeFileAtomicWith(nodeFileSystem, at('a-b.txt'), `b${i}`, { backup: { keep: 10 } }, clock);
    }
    for (let i = 1; i <= 5; i++) {
      t += 1000;
      await writeFileAtomicWith(nodeFileSystem, at('a.txt'), `a${i}`, { backup: { keep: 2 } }, clock);
    }
    const mine = bak().filter((f) => parseSiblingBackupName('a.txt', f) !== undefined);
    const theirs = bak().filter((f) => parseSiblingBackupName('a-b.txt', f) !== undefined);
    expect(mine).toEqual(['a-20261125-170507.txt.bak', 'a-20261125-170508.txt.bak']);
    expect(mine.map((f) => fs.readFileSync(at(f), 'utf8'))).toEqual(['a3', 'a4']);
    expect(theirs).toHaveLength(3);
  });

  it('numbers backups made within one second and keeps the newest by number', async () => {
    fs.writeFileSync(at('s.txt'), '0');
    for (let i = 1; i <= 4; i++) await writeFileAtomicWith(nodeFileSystem, at('s.txt'), String(i), { backup: { keep: 3 } }, { now: () => T0 });
    expect(bak()).toEqual(['s-20261125-170500-2.txt.bak', 's-20261125-170500-3.txt.bak', 's-20261125-170500-4.txt.bak']);
    expect(fs.readFileSync(at('s-20261125-170500-4.txt.bak'), 'utf8')).toBe('3');
  });

  it('drops backups older than maxAgeDays, and puts them in policy.dir when given', async () => {
    fs.mkdirSync(at('old'));
    fs.writeFileSync(at('old/c.txt-20200101-000000.bak'), 'unrelated');
    fs.writeFileSync(at('c-20200101-000000.txt.bak'), 'ancient');
    fs.writeFileSync(at('c.txt'), 'c0');
    await writeFileAtomicWith(nodeFileSystem, at('c.txt'), 'c1', { backup: { maxAgeDays: 30 } }, { now: () => T0 });
    expect(bak()).toEqual(['c-20261125-170500.txt.bak']);
    const r = await writeFileAtomicWith(nodeFileSystem, at('c.txt'), 'c2', { backup: { dir: 'old' } }, { now: () => T0 + 1000 });
    expect(r.backup?.file).toBe(at('old/c-20261125-170501.txt.bak'));
    expect(fs.readFileSync(at('old/c-20261125-170501.txt.bak'), 'utf8')).toBe('c1');
    expect(fs.existsSync(at('old/c.txt-20200101-000000.bak'))).toBe(true);
  });

  it('reads the policy: off, defaults, keep at least 1', () => {
    expect(siblingBackupPolicy(undefined, '/d/a')).toBeUndefined();
    expect(siblingBackupPolicy(false, '/d/a')).toBeUndefined();
    expect(siblingBackupPolicy(true, '/d/a')).toEqual({ dir: '/d', keep: 5 });
    expect(siblingBackupPolicy({ keep: 0, dir: '/b' }, '/d/a')).toEqual({ dir: '/b', keep: 1 });
  });
});

describe('sibling backup durability', () => {
  it('fsyncs the backup directory before the rename that replaces the file', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    fs.writeFileSync(at('d.txt'), 'v1');
    await writeFileAtomicWith(faulty, at('d.txt'), 'v2', { backup: true }, { now: () => T0 });
    const kinds = faulty.trace.map((c) => c.kind);
    const link = kinds.indexOf('link');
    const rename = kinds.indexOf('rename');
    expect(link).toBeGreaterThan(-1);
    expect(kinds.slice(link, rename)).toContain('syncDir');
    expect(kinds.slice(rename)).toContain('syncDir');
  });
});
