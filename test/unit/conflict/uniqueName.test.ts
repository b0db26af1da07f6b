import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keepBothPath, renamedPath, splitName } from '../../../src/conflict/uniqueName.js';
import { nodeFileSystem } from '../../../src/fs/node.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (n: string): string => path.join(dir, n);

describe('uniqueName', () => {
  it('splits the last extension only, and treats a leading dot as part of the stem', () => {
    expect(splitName('a.txt')).toEqual(['a', '.txt']);
    expect(splitName('.bashrc')).toEqual(['.bashrc', '']);
    expect(splitName('archive.tar.gz')).toEqual(['archive.tar', '.gz']);
    expect(splitName('Makefile')).toEqual(['Makefile', '']);
  });

  it('renamedPath gives the first free "name (n).ext", skipping taken ones and dangling symlinks', async () => {
    fs.writeFileSync(at('r.txt'), 'x');
    expect(await renamedPath(nodeFileSystem, at('r.txt'))).toBe(at('r (1).txt'));
    fs.writeFileSync(at('r (1).txt'), 'x');
    fs.symlinkSync(at('nowhere'), at('r (2).txt'));
    expect(await renamedPath(nodeFileSystem, at('r.txt'))).toBe(at('r (3).txt'));
    expect(await renamedPath(nodeFileSystem, at('noext'))).toBe(at('noext (1)'));
  });

  it('keepBothPath stamps the UTC time and numbers further clashes', async () => {
    const now = Date.UTC(2026, 10, 25, 7, 5, 9);
    const first = await keepBothPath(nodeFileSystem, at('k.json'), now);
    expect(first).toBe(at('k (conflict 2026-11-25 070509).json'));
    fs.writeFileSync(first, 'x');
    expect(await keepBothPath(nodeFileSystem, at('k.json'), now)).toBe(at('k (conflict 2026-11-25 070509) (2).json'));
  });

  it('reports a broken parent instead of calling the name free', async () => {
    fs.writeFileSync(at('file'), 'x');
    await expect(renamedPath(nodeFileSystem, at('file/child.txt'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
