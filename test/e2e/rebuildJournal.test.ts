/**
 * The CLI after a lost journal: every command refuses with EJOURNAL (exit 1) and says to run `txfs recover --rebuild`;
 * that rebuilds the backup index from the backup directory, and the backups list and restore again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, runJson, runTxfs, tempDir } from './cli/harness.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) removeDir(r);
});

describe('txfs recover --rebuild', () => {
  it('brings the backups of a store whose data.mdb was deleted back: listed, restorable; other commands refuse until then', async () => {
    const root = tempDir();
    roots.push(root);
    for (const v of ['one', 'two', 'three']) expect((await runTxfs(['--root', root, 'write', 'a.txt', '--from', '-'], { input: v })).code).toBe(0);
    const before = await runJson<Array<{ sha256: string }>>(root, ['backups', 'list', 'a.txt']);
    expect(before.length).toBe(2);
    fs.rmSync(path.join(root, '.txfs', 'journal', 'data.mdb'));

    const refused = await runTxfs(['--root', root, 'backups', 'list', 'a.txt']);
    expect({ code: refused.code, signal: refused.signal }).toEqual({ code: 1, signal: null });
    expect(refused.stderr).toMatch(/EJOURNAL.*missing or empty.*txfs recover --rebuild/s);
    expect((await runTxfs(['--root', root, 'recover'])).code).toBe(1);

    const human = await runTxfs(['--root', root, 'recover', '--rebuild']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Journal rebuilt: 2 backup\(s\) indexed again/);
    expect(human.stdout).toMatch(/not rebuilt: the log, undo and the manifest/);
    const again = await runJson<{ rebuild: { rebuilt: boolean }; recovery: { problems: unknown[] } }>(root, ['recover', '--rebuild']);
    expect(again).toMatchObject({ rebuild: { rebuilt: false }, recovery: { problems: [] } });

    const after = await runJson<Array<{ sha256: string; id: string }>>(root, ['backups', 'list', 'a.txt']);
    expect(after.map((b) => b.sha256)).toEqual(before.map((b) => b.sha256));
    const oldest = after.at(-1)?.id ?? '';
    expect((await runTxfs(['--root', root, 'backups', 'restore', 'a.txt', '--backup', oldest])).code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('one');
  });
});
