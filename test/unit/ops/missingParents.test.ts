import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { missingParents } from '../../../src/ops/missingParents.js';

const root = mkdtempSync(join(tmpdir(), 'txfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('missingParents', () => {
  it('lists the missing directories outermost first and stops at the first that exists', async () => {
    mkdirSync(join(root, 'a'));
    expect(await missingParents(nodeFileSystem, root, 'a/b/c/file.txt')).toEqual(['a/b', 'a/b/c']);
    expect(await missingParents(nodeFileSystem, root, 'x/file.txt')).toEqual(['x']);
    expect(await missingParents(nodeFileSystem, root, 'file.txt')).toEqual([]);
    expect(await missingParents(nodeFileSystem, root, 'a/file.txt')).toEqual([]);
  });

  it('treats a path under a plain file as missing (ENOTDIR), so that its mkdir reports the real error', async () => {
    writeFileSync(join(root, 'plain'), 'x');
    expect(await missingParents(nodeFileSystem, root, 'plain/sub/file.txt')).toEqual(['plain/sub']);
  });
});
