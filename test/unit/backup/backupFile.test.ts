import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupFileName, preserveFile } from '../../../src/backup/backupFile.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';

const at = Date.UTC(2026, 0, 2, 3, 4, 5);

describe('backupFileName', () => {
  it('names the backup <stem>-<UTC stamp>-<txId><suffix>.bak, mirroring the directories', () => {
    expect(backupFileName('a.txt', 'TX1', at)).toBe('a-20260102-030405-TX1.txt.bak');
    expect(backupFileName('docs/sub/report.final.xml', 'TX1', at)).toBe('docs/sub/report.final-20260102-030405-TX1.xml.bak');
    expect(backupFileName('Makefile', 'TX1', at)).toBe('Makefile-20260102-030405-TX1.bak');
    expect(backupFileName('.env', 'TX1', at)).toBe('.env-20260102-030405-TX1.bak');
  });

  it('normalises the path it is given', () => {
    expect(backupFileName('./docs//a.txt', 'TX1', at)).toBe('docs/a-20260102-030405-TX1.txt.bak');
  });

  it('refuses paths that would land outside the backup directory', () => {
    for (const bad of ['../a.txt', '/etc/passwd', 'a/../../b', '', '.', 'dir/']) {
      expect(() => backupFileName(bad, 'TX1', at), bad).toThrow(expect.objectContaining({ code: 'EOUTSIDE' }) as Error);
    }
  });

  it('gives distinct files of one directory distinct names for the same transaction and time', () => {
    const segment = fc.stringMatching(/^[a-z0-9.-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(segment, segment, (a, b) => {
        fc.pre(a !== b);
        const na = backupFileName(`d/${a}`, 'TX', at);
        const nb = backupFileName(`d/${b}`, 'TX', at);
        expect(na).not.toBe(nb);
        expect(path.posix.dirname(na)).toBe('d');
        expect(na.endsWith('.bak')).toBe(true);
      }),
    );
  });
});

describe('preserveFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hard-links the file into a backup directory it creates', async () => {
    const src = path.join(dir, 'a.txt');
    fs.writeFileSync(src, 'hello');
    const bak = path.join(dir, 'backups', 'x', 'y', 'a.bak');
    const r = await preserveFile(nodeFileSystem, src, bak);
    expect(r).toMatchObject({ size: 5, linked: true, stat: { kind: 'file', size: 5, ino: fs.statSync(src).ino } });
    expect(fs.statSync(bak).ino).toBe(fs.statSync(src).ino);
    // Replacing the source by rename leaves the backup with the old bytes.
    fs.writeFileSync(path.join(dir, 'new'), 'world!');
    fs.renameSync(path.join(dir, 'new'), src);
    expect(fs.readFileSync(bak, 'utf8')).toBe('hello');
  });

  it('copies the file when link(2) fails with EXDEV, and fsyncs the copy', async () => {
    const src = path.join(dir, 'a.txt');
    fs.writeFileSync(src, 'hello');
    const bak = path.join(dir, 'b', 'a.bak');
    const ffs = createFaultyFileSystem(nodeFileSystem, [{ kind: 'link', nth: 1, errno: 'EXDEV', mode: 'always' }]);
    const r = await preserveFile(ffs, src, bak);
    expect(r).toMatchObject({ size: 5, linked: false, stat: { kind: 'file', size: 5, ino: fs.statSync(bak).ino } });
    expect(fs.readFileSync(bak, 'utf8')).toBe('hello');
    expect(fs.statSync(bak).ino).not.toBe(fs.statSync(src).ino);
    expect(ffs.trace.some((c) => c.kind === 'datasync' && c.path === bak)).toBe(true);
  });

  it('leaves no backup behind when the fallback copy fails', async () => {
    const src = path.join(dir, 'a.txt');
    fs.writeFileSync(src, 'hello');
    const bak = path.join(dir, 'a.bak');
    const ffs = createFaultyFileSystem(nodeFileSystem, [
      { kind: 'link', nth: 1, errno: 'EPERM' },
      { kind: 'datasync', nth: 1, errno: 'EIO' },
    ]);
    await expect(preserveFile(ffs, src, bak)).rejects.toMatchObject({ code: 'EIO' });
    expect(fs.existsSync(bak)).toBe(false);
  });

  it('refuses to overwrite an existing backup (EEXIST) and reports a missing source (ENOENT)', async () => {
    const src = path.join(dir, 'a.txt');
    fs.writeFileSync(src, 'hello');
    const bak = path.join(dir, 'a.bak');
    fs.writeFileSync(bak, 'older');
    await expect(preserveFile(nodeFileSystem, src, bak)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readFileSync(bak, 'utf8')).toBe('older');
    await expect(preserveFile(nodeFileSystem, path.join(dir, 'nope'), path.join(dir, 'n', 'nope.bak'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('backs up only regular files: a symbolic link is refused and nothing is left', async () => {
    const target = path.join(dir, 'target.txt');
    fs.writeFileSync(target, 'secret');
    const link = path.join(dir, 'link.txt');
    fs.symlinkSync(target, link);
    const bak = path.join(dir, 'link.bak');
    await expect(preserveFile(nodeFileSystem, link, bak)).rejects.toMatchObject({ code: 'ELOOP' });
    expect(fs.existsSync(bak)).toBe(false);
    expect(() => fs.lstatSync(bak)).toThrow();
  });

  it('refuses a directory', async () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const bak = path.join(dir, 'sub.bak');
    await expect(preserveFile(nodeFileSystem, sub, bak)).rejects.toMatchObject({ code: expect.stringMatching(/^E(ISDIR|PERM|NOTSUP)$/) as string });
    expect(() => fs.lstatSync(bak)).toThrow();
  });
});
