import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { SIBLING_INDEX_MAX_BYTES } from '../../../src/ops/siblingBackupIndex.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';

const cases = caseDirs();
const { at } = cases;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

/** The user's own files, each named like a backup of report.json under some convention, with its content. */
const lookalikes: Record<string, string> = {
  'report-20260101-000000.json.bak': 'mine: the old pattern, to the second',
  'report-20260101-000000-2.json.bak': 'mine: the old pattern with a counter',
  'report-20260101-000001.json.bak': 'mine: the old pattern, a second later',
  'report-20260101-000000-0123456789.json.bak': 'mine: shaped like a tagged backup, never made by txfs',
  'report-20260101-000000-mif8w1k2h0001x9k2a.json.bak': 'mine: shaped like a store backup',
};

const bakFiles = (): string[] => fs.readdirSync(cases.dir).filter((f) => f.endsWith('.bak')).sort();
const txfsBackups = (): string[] => bakFiles().filter((f) => !(f in lookalikes));
const plant = (): void => {
  for (const [name, content] of Object.entries(lookalikes)) fs.writeFileSync(at(name), content);
};

describe('sibling backup pruning removes only backups it made', () => {
  it("keeps a user's files named like backups through any number of writes with keep: 1, and prunes its own to keep", async () => {
    plant();
    fs.writeFileSync(at('report.json'), 'v0');
    let t = T0;
    for (let i = 1; i <= 6; i++) {
      t += i % 2 === 0 ? 1000 : 0; // some writes share a second
      await writeFileAtomicWith(nodeFileSystem, at('report.json'), `v${i}`, { backup: { keep: 1 } }, { now: () => t });
    }
    for (const [name, content] of Object.entries(lookalikes)) expect(fs.readFileSync(at(name), 'utf8')).toBe(content);
    expect(txfsBackups()).toHaveLength(1);
    expect(fs.readFileSync(at(txfsBackups()[0] ?? ''), 'utf8')).toBe('v5');
    expect(fs.readFileSync(at('report.json'), 'utf8')).toBe('v6');
  });

  it('keeps the newest keep of its own backups by the time it made them, the user files counting for nothing', async () => {
    plant();
    fs.writeFileSync(at('report.json'), 'v0');
    for (let i = 1; i <= 5; i++) await writeFileAtomicWith(nodeFileSystem, at('report.json'), `v${i}`, { backup: { keep: 3 } }, { now: () => T0 + i * 1000 });
    expect(txfsBackups().map((f) => fs.readFileSync(at(f), 'utf8')).sort()).toEqual(['v2', 'v3', 'v4']);
    expect(bakFiles()).toHaveLength(3 + Object.keys(lookalikes).length);
  });

  it('never removes a backup the user replaced with a file of their own under the same name', async () => {
    fs.writeFileSync(at('a.txt'), 'v0');
    fs.utimesSync(at('a.txt'), new Date(T0 - 86_400_000), new Date(T0 - 86_400_000));
    const first = await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v1', { backup: { keep: 1 } }, { now: () => T0 });
    const mine = first.backup?.file ?? '';
    fs.unlinkSync(mine);
    fs.writeFileSync(mine, 'my own notes, under the name the backup had');
    for (let i = 2; i <= 4; i++) await writeFileAtomicWith(nodeFileSystem, at('a.txt'), `v${i}`, { backup: { keep: 1 } }, { now: () => T0 + i * 1000 });
    expect(fs.readFileSync(mine, 'utf8')).toBe('my own notes, under the name the backup had');
    expect(bakFiles().filter((f) => at(f) !== mine).map((f) => fs.readFileSync(at(f), 'utf8'))).toEqual(['v3']);
  });

  it('keeps an edited backup: once changed in place it is the user’s', async () => {
    fs.writeFileSync(at('a.txt'), 'v0');
    const first = await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v1', { backup: { keep: 1 } }, { now: () => T0 });
    const edited = first.backup?.file ?? '';
    fs.appendFileSync(edited, ' and a note added by hand');
    for (let i = 2; i <= 3; i++) await writeFileAtomicWith(nodeFileSystem, at('a.txt'), `v${i}`, { backup: { keep: 1 } }, { now: () => T0 + i * 1000 });
    expect(fs.readFileSync(edited, 'utf8')).toBe('v0 and a note added by hand');
    expect(bakFiles()).toHaveLength(2);
  });

  it('keeps apart the backups of two files of one name sharing a backup directory', async () => {
    fs.mkdirSync(at('x'));
    fs.mkdirSync(at('y'));
    fs.mkdirSync(at('b'));
    fs.writeFileSync(at('x/a.txt'), 'x0');
    fs.writeFileSync(at('y/a.txt'), 'y0');
    await writeFileAtomicWith(nodeFileSystem, at('y/a.txt'), 'y1', { backup: { keep: 1, dir: '../b' } }, { now: () => T0 });
    for (let i = 1; i <= 3; i++) await writeFileAtomicWith(nodeFileSystem, at('x/a.txt'), `x${i}`, { backup: { keep: 1, dir: '../b' } }, { now: () => T0 + i * 1000 });
    const kept = fs.readdirSync(at('b')).filter((f) => f.endsWith('.bak')).map((f) => fs.readFileSync(at(`b/${f}`), 'utf8')).sort();
    expect(kept).toEqual(['x2', 'y0']);
  });

  it('ignores an index edited to name the file itself or another file: only names of its own backup shape are removed', async () => {
    fs.writeFileSync(at('a.txt'), 'v0');
    fs.writeFileSync(at('other.txt'), 'other');
    await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v1', { backup: { keep: 1 } }, { now: () => T0 });
    const indexName = fs.readdirSync(cases.dir).find((f) => f.endsWith('.txfs-backups'));
    expect(indexName).toBeDefined();
    const indexPath = at(indexName ?? '');
    const index = JSON.parse(fs.readFileSync(indexPath, 'utf8')) as { backups: Array<Record<string, unknown>> };
    const forged = (name: string): Record<string, unknown> => {
      const st = fs.statSync(at(name));
      return { ...index.backups[0], name, createdAt: T0 - 5000, ino: st.ino, dev: st.dev, size: st.size, mtimeMs: st.mtimeMs };
    };
    index.backups.unshift(forged('other.txt'), forged('a.txt'));
    fs.writeFileSync(indexPath, JSON.stringify(index));
    await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v2', { backup: { keep: 1 } }, { now: () => T0 + 1000 });
    expect(fs.readFileSync(at('other.txt'), 'utf8')).toBe('other');
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('v2');
    expect(bakFiles().map((f) => fs.readFileSync(at(f), 'utf8'))).toEqual(['v1']);
  });

  it('refuses to write with a damaged backup index (EINTEGRITY naming it and the file), touching nothing', async () => {
    fs.writeFileSync(at('a.txt'), 'v0');
    await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v1', { backup: true }, { now: () => T0 });
    const indexName = fs.readdirSync(cases.dir).find((f) => f.endsWith('.txfs-backups')) ?? '';
    fs.writeFileSync(at(indexName), '{"v":1,"backups":[{"name":');
    const before = fs.readdirSync(cases.dir).sort();
    const err = await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v2', { backup: true }, { now: () => T0 + 1000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EINTEGRITY', path: at(indexName) });
    expect(String((err as Error).message)).toContain(at('a.txt'));
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('v1');
    expect(fs.readdirSync(cases.dir).sort()).toEqual(before);
  });

  it.skipIf(!fs.existsSync('/dev/zero'))('reads the index up to a bound: one linked to /dev/zero is EINTEGRITY, not an endless read', async () => {
    fs.writeFileSync(at('a.txt'), 'v0');
    await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v1', { backup: true }, { now: () => T0 });
    const indexName = fs.readdirSync(cases.dir).find((f) => f.endsWith('.txfs-backups')) ?? '';
    fs.unlinkSync(at(indexName));
    fs.symlinkSync('/dev/zero', at(indexName));
    await expect(writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v2', { backup: true }, { now: () => T0 + 1000 })).rejects.toMatchObject({ code: 'EINTEGRITY' });
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('v1');
  });

  it('reads the index up to a bound: a regular file larger than it is EINTEGRITY', async () => {
    fs.writeFileSync(at('a.txt'), 'v0');
    await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v1', { backup: true }, { now: () => T0 });
    const indexName = fs.readdirSync(cases.dir).find((f) => f.endsWith('.txfs-backups')) ?? '';
    fs.truncateSync(at(indexName), SIBLING_INDEX_MAX_BYTES + 10);
    await expect(writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v2', { backup: true }, { now: () => T0 + 1000 })).rejects.toMatchObject({ code: 'EINTEGRITY' });
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('v1');
  });

  it('leaves the directory as it was when the write fails after its backup was recorded: no backup, no new index, no record', async () => {
    fs.writeFileSync(at('a.txt'), 'v0');
    // The first rename is the index's, the second the one that would replace a.txt.
    const failing = (): ReturnType<typeof createFaultyFileSystem> => createFaultyFileSystem(nodeFileSystem, [{ kind: 'rename', nth: 2, errno: 'EIO' }]);
    await expect(writeFileAtomicWith(failing(), at('a.txt'), 'v1', { backup: true }, { now: () => T0 })).rejects.toMatchObject({ code: 'EIO' });
    expect(fs.readdirSync(cases.dir)).toEqual(['a.txt']);
    await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'v1', { backup: true }, { now: () => T0 + 1000 });
    const indexName = fs.readdirSync(cases.dir).find((f) => f.endsWith('.txfs-backups')) ?? '';
    const before = fs.readFileSync(at(indexName), 'utf8');
    await expect(writeFileAtomicWith(failing(), at('a.txt'), 'v2', { backup: true }, { now: () => T0 + 2000 })).rejects.toMatchObject({ code: 'EIO' });
    expect(fs.readFileSync(at(indexName), 'utf8')).toBe(before);
    expect(bakFiles().map((f) => fs.readFileSync(at(f), 'utf8'))).toEqual(['v0']);
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('v1');
  });
});
