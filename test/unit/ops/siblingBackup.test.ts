import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { siblingBackupName, siblingBackupPolicy } from '../../../src/ops/siblingBackup.js';

const cases = caseDirs();
const { at } = cases;
const T0 = Date.UTC(2026, 10, 25, 17, 5, 0);
const bak = (): string[] => fs.readdirSync(cases.dir).filter((f) => f.endsWith('.bak')).sort();

const BAK = /^([^/]+)-(\d{8}-\d{6})-([0-9a-f]{10})(\.[^./]*)?\.bak$/;
/** The backup files of `stem` in the case directory (txfs's: tagged), sorted by their content. */
const backupsOf = (stem: string, dir = cases.dir): string[] =>
  fs
    .readdirSync(dir)
    .filter((f) => BAK.exec(f)?.[1] === stem)
    .map((f) => fs.readFileSync(`${dir}/${f}`, 'utf8'))
    .sort();

describe('sibling backups', () => {
  it('names backups <stem>-<YYYYMMDD-HHMMSS>-<tag><suffix>.bak in UTC, the tag ten random hex digits', () => {
    expect(siblingBackupName('a.txt', T0, '0f1e2d3c4b')).toBe('a-20261125-170500-0f1e2d3c4b.txt.bak');
    expect(siblingBackupName('Makefile', T0, '0123456789')).toBe('Makefile-20261125-170500-0123456789.bak');
    for (const bad of ['', 'x', '0123456789a', 'ABCDEF0123', '01234/6789']) expect(() => siblingBackupName('a.txt', T0, bad)).toThrow(TypeError);
  });

  it('keeps the replaced content (hard link, O(1)) with its checksum, and writes the new content', async () => {
    fs.writeFileSync(at('a.txt'), 'v1');
    const inode = fs.statSync(at('a.txt')).ino;
    const r = await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v2', { backup: true }, { now: () => T0 });
    expect(r.backup?.id).toMatch(/^a-20261125-170500-[0-9a-f]{10}\.txt\.bak$/);
    expect(r.backup).toMatchObject({ path: at('a.txt'), file: at(r.backup?.id ?? ''), size: 2, sha256: sha256Of('v1'), compressed: false });
    expect(r.backup?.createdAt.getTime()).toBe(T0);
    expect(fs.statSync(at(r.backup?.id ?? '')).ino).toBe(inode);
    expect(fs.readFileSync(at(r.backup?.id ?? ''), 'utf8')).toBe('v1');
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
    expect(backupsOf('a')).toEqual(['a3', 'a4']);
    expect(backupsOf('a-b')).toEqual(['b0', 'b1', 'b2']);
  });

  it('keeps the newest backups by the order they were made, within one second too', async () => {
    fs.writeFileSync(at('s.txt'), '0');
    for (let i = 1; i <= 4; i++) await writeFileAtomicWith(nodeFileSystem, at('s.txt'), String(i), { backup: { keep: 3 } }, { now: () => T0 });
    expect(backupsOf('s')).toEqual(['1', '2', '3']);
    expect(bak().every((f) => f.startsWith('s-20261125-170500-'))).toBe(true);
  });

  it('drops its backups older than maxAgeDays, and puts them in policy.dir when given', async () => {
    fs.mkdirSync(at('old'));
    fs.writeFileSync(at('old/c.txt-20200101-000000.bak'), 'unrelated');
    fs.writeFileSync(at('c.txt'), 'ancient');
    await writeFileAtomicWith(nodeFileSystem, at('c.txt'), 'c0', { backup: true }, { now: () => T0 - 60 * 86_400_000 });
    expect(backupsOf('c')).toEqual(['ancient']);
    await writeFileAtomicWith(nodeFileSystem, at('c.txt'), 'c1', { backup: { maxAgeDays: 30 } }, { now: () => T0 });
    expect(backupsOf('c')).toEqual(['c0']);
    const r = await writeFileAtomicWith(nodeFileSystem, at('c.txt'), 'c2', { backup: { dir: 'old' } }, { now: () => T0 + 1000 });
    expect(r.backup?.file).toMatch(new RegExp(`^${at('old/c-20261125-170501-')}[0-9a-f]{10}\\.txt\\.bak$`));
    expect(fs.readFileSync(r.backup?.file ?? '', 'utf8')).toBe('c1');
    expect(fs.readFileSync(at('old/c.txt-20200101-000000.bak'), 'utf8')).toBe('unrelated');
  });

  it('reads the policy: off, defaults, keep at least 1', () => {
    expect(siblingBackupPolicy(undefined, '/d/a')).toBeUndefined();
    expect(siblingBackupPolicy(false, '/d/a')).toBeUndefined();
    expect(siblingBackupPolicy(true, '/d/a')).toEqual({ dir: '/d', keep: 5 });
    expect(siblingBackupPolicy({ keep: 0, dir: '/b' }, '/d/a')).toEqual({ dir: '/b', keep: 1 });
  });
});

describe('sibling backup durability', () => {
  it('fsyncs the backup directory (the backup and its index record) before the rename that replaces the file', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    fs.writeFileSync(at('d.txt'), 'v1');
    await writeFileAtomicWith(faulty, at('d.txt'), 'v2', { backup: true }, { now: () => T0 });
    const kinds = faulty.trace.map((c) => c.kind);
    const link = kinds.indexOf('link');
    const index = faulty.trace.findIndex((c) => c.kind === 'rename' && c.to?.endsWith('.d.txt.txfs-backups') === true);
    const rename = faulty.trace.findIndex((c) => c.kind === 'rename' && c.to === at('d.txt'));
    expect(link).toBeGreaterThan(-1);
    expect(index).toBeGreaterThan(link);
    expect(rename).toBeGreaterThan(index);
    expect(kinds.slice(index, rename)).toContain('syncDir');
    expect(kinds.slice(rename)).toContain('syncDir');
  });
});
