/**
 * A symbolic link inside the root that leads to a file inside the root is written through, as writeFileAtomic does:
 * the file it leads to is backed up and replaced, the link stays a link — with or without backups.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackedFixtures } from './storeFixture.js';

const fixture = trackedFixtures();

describe('writing through a symbolic link inside the root', () => {
  it.each([[true], [false]])('replaces the file it leads to (backup: %s), keeps the link', async (backup) => {
    const f = await fixture({ 'real.txt': 'old' });
    fs.symlinkSync('real.txt', path.join(f.root, 'link.txt'));
    const r = await f.store.writeFile('link.txt', 'new', { backup });
    expect(r.status).toBe('written');
    expect(fs.lstatSync(path.join(f.root, 'link.txt')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(f.root, 'real.txt'), 'utf8')).toBe('new');
    expect((await f.store.backups.list('real.txt')).length).toBe(backup ? 1 : 0);
    expect((await f.store.verify(['real.txt'])).problems).toEqual([]);
  });

  it('still refuses a link leading outside the root (EOUTSIDE)', async () => {
    const f = await fixture({});
    fs.symlinkSync('/etc/hostname', path.join(f.root, 'out.txt'));
    await expect(f.store.writeFile('out.txt', 'x')).rejects.toMatchObject({ code: 'EOUTSIDE' });
  });
});
