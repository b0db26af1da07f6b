import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openStore } from '../../../src/index.js';
import { openLmdbJournal } from '../../../src/journal/lmdb.js';
import { journalIdKey } from '../../../src/journal/records/journalIdRecord.js';
import { journalIdentity, markerPath, readMarker } from '../../../src/store/journalMarker.js';

const scratch: string[] = [];
afterEach(() => {
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempRoot = (): string => {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-marker-')));
  scratch.push(d);
  return d;
};
const stateDir = (root: string): string => path.join(root, '.txfs');
const identityOf = async (root: string): Promise<string | undefined> => {
  const j = await openLmdbJournal(path.join(stateDir(root), 'journal'));
  try {
    return (await journalIdentity(j))?.id;
  } finally {
    await j.close();
  }
};

describe('the journal marker', () => {
  it('is written on the first open, naming the identity the journal holds, and nothing else is left in the state directory', async () => {
    const root = tempRoot();
    await (await openStore({ root })).close();
    const marker = await readMarker(nodeFileSystem, stateDir(root));
    expect(marker).toMatchObject({ v: 1, id: await identityOf(root) });
    expect(fs.readdirSync(stateDir(root)).sort()).toEqual(['backups', 'journal', 'journal-id']);
  });

  it('gives stores opened at the same time on a new root one identity', async () => {
    const root = tempRoot();
    const stores = await Promise.all([openStore({ root }), openStore({ root }), openStore({ root })]);
    for (const s of stores) await s.close();
    const marker = await readMarker(nodeFileSystem, stateDir(root));
    expect(marker).toMatchObject({ id: await identityOf(root) });
  });

  it('is written again from the journal when damaged, and read only up to its bound (a marker linked to /dev/zero)', async () => {
    const root = tempRoot();
    await (await openStore({ root })).close();
    const id = await identityOf(root);
    fs.writeFileSync(markerPath(stateDir(root)), '{"v":1,"sum":"broken"');
    await (await openStore({ root })).close();
    expect(await readMarker(nodeFileSystem, stateDir(root))).toMatchObject({ id });

    fs.rmSync(markerPath(stateDir(root)));
    fs.symlinkSync('/dev/zero', markerPath(stateDir(root)));
    expect(await readMarker(nodeFileSystem, stateDir(root))).toBe('unreadable');
  });

  it('does not stand in the way of a store whose journal lost its identity record while the marker is gone too', async () => {
    const root = tempRoot();
    const s = await openStore({ root });
    await s.writeFile('a.txt', 'a');
    await s.close();
    fs.rmSync(markerPath(stateDir(root)));
    const j = await openLmdbJournal(path.join(stateDir(root), 'journal'));
    await j.remove(journalIdKey);
    await j.close();
    const again = await openStore({ root });
    expect(await again.readFile('a.txt', { encoding: 'utf8' })).toBe('a');
    await again.close();
    expect(await readMarker(nodeFileSystem, stateDir(root))).toMatchObject({ id: await identityOf(root) });
  });
});
