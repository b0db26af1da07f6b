import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/openStore.js';
import type { BackupPolicy, Store } from '../../../src/types.js';
import { damageFile } from '../../damageFile.js';

/** A store on a real temp dir, and a way to damage a file behind its back (an in-place overwrite, as a failing disk or a stray program). */
describe('damaged backups: a backup of a file that does not hold what the store wrote', () => {
  let root: string;
  let store: Store;
  const open = async (backups?: BackupPolicy): Promise<void> => {
    store = await openStore({ root, ...(backups === undefined ? {} : { backups }) });
  };
  const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');
  const damage = (rel: string, bytes: string): void => damageFile(path.join(root, rel), bytes);
  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-damaged-'));
    await open();
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a restore after corruption never brings the corrupted bytes back by default, however often it is run', async () => {
    await store.writeFile('doc.txt', 'version one');
    await store.writeFile('doc.txt', 'version two');
    damage('doc.txt', 'XXXXXXX');
    await store.backups.restore('doc.txt');
    expect(read('doc.txt')).toBe('version one');
    // The restore backed up the corrupted bytes; a second default restore must not pick them.
    await store.backups.restore('doc.txt');
    expect(read('doc.txt')).toBe('version one');
    await store.backups.restore('doc.txt');
    expect(read('doc.txt')).not.toContain('XXXXXXX');
  });

  it('lists the backup of the corrupted bytes as damaged, and backups.verify reports it as damaged, not intact', async () => {
    await store.writeFile('doc.txt', 'version one');
    await store.writeFile('doc.txt', 'version two');
    damage('doc.txt', 'XXXXXXX');
    const restored = await store.backups.restore('doc.txt');
    const list = await store.backups.list('doc.txt');
    const bad = list.filter((b) => fs.readFileSync(b.file, 'utf8').startsWith('XXXXXXX'));
    expect(bad).toHaveLength(1);
    expect(bad[0]?.damaged).toBe(true);
    expect(restored.files.find((f) => f.path === 'doc.txt')?.backup?.damaged).toBe(true);
    expect(list.filter((b) => b !== bad[0]).every((b) => b.damaged !== true)).toBe(true);

    const report = await store.backups.verify();
    expect(report.problems.map((p) => [p.kind, p.path])).toEqual([['damaged', bad[0]?.file]]);
    expect(report.problems[0]?.message).toMatch(/damaged version/);
    expect(report.ok).toBe(report.checked - 1);
  });

  it('marks a write over a changed file, a delete of one and a manual backup of one as damaged; a sound one as not', async () => {
    await store.writeFile('a.txt', 'a1');
    await store.writeFile('b.txt', 'b1');
    await store.writeFile('c.txt', 'c1');
    await store.writeFile('ok.txt', 'ok1');
    fs.writeFileSync(path.join(root, 'a.txt'), 'edited behind the store');
    damage('b.txt', 'Z');
    damage('c.txt', 'Y');
    const written = await store.writeFile('a.txt', 'a2');
    const deleted = await store.deleteFile('b.txt');
    const manual = await store.backups.create('c.txt');
    const sound = await store.writeFile('ok.txt', 'ok2');
    expect(written.backup?.damaged).toBe(true);
    expect(deleted.files[0]?.backup?.damaged).toBe(true);
    expect(manual.damaged).toBe(true);
    expect(sound.backup?.damaged).toBeUndefined();
    // A file the store never wrote has no version to differ from: its backup is not damaged.
    fs.writeFileSync(path.join(root, 'foreign.txt'), 'not written through txfs');
    expect((await store.writeFile('foreign.txt', 'now it is')).backup?.damaged).toBeUndefined();
  });

  it('does not call damaged a version another transaction committed after the operation was added', async () => {
    await store.writeFile('doc.txt', 'v1');
    const tx = store.begin({ onConcurrentChange: 'overwrite' });
    tx.writeFile('doc.txt', 'mine');
    await store.writeFile('doc.txt', 'v2, committed in between');
    const result = await tx.commit();
    expect(read('doc.txt')).toBe('mine');
    const backup = result.files[0]?.backup;
    expect(backup === undefined ? undefined : fs.readFileSync(backup.file, 'utf8')).toBe('v2, committed in between');
    expect(backup?.damaged).toBeUndefined();
    expect((await store.backups.verify()).problems).toEqual([]);
  });

  it('restores a damaged backup only when it is named, and says so when nothing else is kept', async () => {
    await store.writeFile('doc.txt', 'only version');
    damage('doc.txt', 'XX');
    await store.deleteFile('doc.txt');
    const [only] = await store.backups.list('doc.txt');
    expect(only?.damaged).toBe(true);
    await expect(store.backups.restore('doc.txt')).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/no intact backup.*damaged/) as unknown });
    expect(fs.existsSync(path.join(root, 'doc.txt'))).toBe(false);
    await store.backups.restore('doc.txt', { backup: only?.id ?? '' });
    expect(read('doc.txt')).toBe('XXly version');
  });

  it('retention keeps the newest intact backup of a file even when damaged ones are newer', async () => {
    await store.close();
    await open({ keep: 1 });
    await store.writeFile('doc.txt', 'v1');
    await store.writeFile('doc.txt', 'v2');
    damage('doc.txt', 'X');
    await store.writeFile('doc.txt', 'v3');
    await store.backups.prune();
    const kept = (await store.backups.list('doc.txt')).map((b) => [fs.readFileSync(b.file, 'utf8'), b.damaged === true]);
    expect(kept).toEqual([
      ['X2', true],
      ['v1', false],
    ]);
    await store.backups.restore('doc.txt');
    expect(read('doc.txt')).toBe('v1');
  });
});
