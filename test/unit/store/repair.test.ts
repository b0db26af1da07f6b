import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fp from '../../../src/fp.js';
import { decodeManifest, manifestKey } from '../../../src/journal/records/txRecord.js';
import { openStore, storeContextOf } from '../../../src/store/openStore.js';
import type { BackupPolicy, Store } from '../../../src/types.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('backups.keepCurrent and store.repair', () => {
  let root: string;
  let store: Store;
  const open = async (backups?: BackupPolicy): Promise<void> => {
    store = await openStore({ root, ...(backups === undefined ? {} : { backups }) });
  };
  const abs = (rel: string): string => path.join(root, rel);
  const bytes = (rel: string): Buffer => fs.readFileSync(abs(rel));
  const damage = (rel: string, with_: string): void => {
    const fd = fs.openSync(abs(rel), 'r+');
    try {
      fs.writeSync(fd, with_, 0);
    } finally {
      fs.closeSync(fd);
    }
  };
  const manifestSha = async (rel: string): Promise<string> => {
    const raw = await storeContextOf(store).env.journal.get(manifestKey(rel));
    return decodeManifest(manifestKey(rel), raw).sha256;
  };
  const backupFiles = (): string[] => {
    const dir = path.join(root, '.txfs', 'backups');
    return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];
  };
  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-repair-'));
    await open({ keepCurrent: true });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('repair restores the exact version the store wrote, in one transaction that undo can undo', async () => {
    await store.writeFile('doc.json', '{"v":1}');
    const v2 = await store.writeFile('doc.json', '{"v":2,"note":"the current version"}');
    damage('doc.json', 'XXXX');
    const damaged = bytes('doc.json');

    const report = await store.repair();
    expect(report.repaired).toEqual(['doc.json']);
    expect(report.unrepairable).toEqual([]);
    expect(report.txId).toEqual(expect.any(String));
    expect(report.versions).toEqual([{ path: 'doc.json', sha256: v2.sha256, size: v2.size, writtenBy: expect.any(String) as unknown }]);
    expect(bytes('doc.json').toString()).toBe('{"v":2,"note":"the current version"}');
    expect(sha(bytes('doc.json'))).toBe(v2.sha256);
    expect(await manifestSha('doc.json')).toBe(v2.sha256);
    expect((await store.verify()).problems).toEqual([]);

    const log = [];
    for await (const t of store.log({ limit: 1 })) log.push(t);
    expect(log.map((t) => [t.id, t.files.map((f) => f.path)])).toEqual([[report.txId, ['doc.json']]]);

    await store.undo(report.txId ?? '');
    expect(bytes('doc.json').equals(damaged)).toBe(true);
  });

  it('repairs every damaged file in one transaction: corrupted, changed and deleted ones', async () => {
    await store.writeFile('a.txt', 'alpha');
    await store.transaction((tx) => {
      tx.mkdir('sub');
      tx.writeFile('sub/b.txt', 'beta');
      tx.writeFile('c.txt', 'gamma');
    });
    await store.writeFile('intact.txt', 'untouched');
    damage('a.txt', 'A');
    fs.writeFileSync(abs('c.txt'), 'rewritten by another program');
    fs.rmSync(abs('sub'), { recursive: true });

    const report = await store.repair();
    expect([...report.repaired].sort()).toEqual(['a.txt', 'c.txt', 'sub/b.txt']);
    expect(['a.txt', 'sub/b.txt', 'c.txt', 'intact.txt'].map((f) => bytes(f).toString())).toEqual(['alpha', 'beta', 'gamma', 'untouched']);
    const [last] = await (async () => {
      const out = [];
      for await (const t of store.log({ limit: 1 })) out.push(t);
      return out;
    })();
    expect(last?.id).toBe(report.txId);
    // Only the paths given are repaired when paths are given.
    damage('a.txt', 'A');
    damage('c.txt', 'C');
    const one = await store.repair(['c.txt']);
    expect(one.repaired).toEqual(['c.txt']);
    expect(bytes('a.txt').toString()).toBe('Alpha');
  });

  it('without a kept copy, repair says which files it cannot repair and names the newest intact backup', async () => {
    await store.close();
    await open();
    await store.writeFile('doc.txt', 'one');
    await store.writeFile('doc.txt', 'two');
    damage('doc.txt', 'X');
    const [v1] = await store.backups.list('doc.txt');
    const report = await store.repair();
    expect(report.txId).toBeUndefined();
    expect(report.repaired).toEqual([]);
    expect(report.unrepairable).toEqual([{ path: 'doc.txt', reason: expect.stringContaining(`the newest intact backup is ${v1?.id ?? '?'}`) as unknown }]);
    expect(report.unrepairable[0]?.reason).toMatch(/keepCurrent/);
    expect(bytes('doc.txt').toString()).toBe('Xwo');
    // A file with no backup at all: said too.
    await store.writeFile('new.txt', 'fresh');
    damage('new.txt', 'Z');
    expect((await store.repair(['new.txt'])).unrepairable[0]?.reason).toMatch(/no intact backup either/);
  });

  it('keeps a copy, never a hard link: an in-place change of the file does not reach it', async () => {
    await store.writeFile('doc.txt', 'the version written');
    const [copy] = (await store.backups.list('doc.txt')).filter((b) => b.current === true);
    if (copy === undefined) throw new Error('no kept copy listed');
    expect(fs.statSync(copy.file).ino).not.toBe(fs.statSync(abs('doc.txt')).ino);
    expect(fs.statSync(copy.file).nlink).toBe(1);
    expect(fs.statSync(abs('doc.txt')).nlink).toBe(1);
    damage('doc.txt', 'XXX');
    expect(fs.readFileSync(copy.file, 'utf8')).toBe('the version written');
    expect(copy.sha256).toBe(sha('the version written'));
  });

  it('keeps each version once: a superseded copy is dropped when the replaced version is kept intact', async () => {
    for (const v of ['v1', 'v2', 'v3']) await store.writeFile('doc.txt', v);
    const list = await store.backups.list('doc.txt');
    expect(list.map((b) => [fs.readFileSync(b.file, 'utf8'), b.current === true])).toEqual([
      ['v3', true],
      ['v2', false],
      ['v1', false],
    ]);
    expect(backupFiles()).toHaveLength(3);
    expect((await store.backups.verify()).problems).toEqual([]);
    // A default restore brings back an earlier version, never the kept copy of the current one.
    await store.backups.restore('doc.txt');
    expect(bytes('doc.txt').toString()).toBe('v2');
  });

  it('a write over a damaged file keeps the intact copy of the version it replaced, and a default restore picks it', async () => {
    await store.writeFile('doc.txt', 'v1');
    await store.writeFile('doc.txt', 'v2');
    damage('doc.txt', 'X');
    await store.writeFile('doc.txt', 'v3');
    const list = await store.backups.list('doc.txt');
    expect(list.map((b) => [fs.readFileSync(b.file, 'utf8'), b.current === true, b.damaged === true])).toEqual([
      ['v3', true, false],
      ['X2', false, true],
      ['v2', false, false],
      ['v1', false, false],
    ]);
    await store.backups.restore('doc.txt');
    expect(bytes('doc.txt').toString()).toBe('v2');
  });

  it('follows renames and deletes: the copy moves with the file, and a deleted file keeps its last version', async () => {
    await store.writeFile('a.txt', 'moving content');
    await store.transaction((tx) => void tx.rename('a.txt', 'b.txt'));
    expect((await store.backups.list('b.txt')).filter((b) => b.current === true).map((b) => b.path)).toEqual(['b.txt']);
    damage('b.txt', 'M');
    expect((await store.repair()).repaired).toEqual(['b.txt']);
    expect(bytes('b.txt').toString()).toBe('moving content');
    await store.deleteFile('b.txt');
    const after = await store.backups.list('b.txt');
    expect(after.some((b) => b.current === true)).toBe(false);
    expect(after.map((b) => fs.readFileSync(b.file, 'utf8'))).toContain('moving content');
    expect((await store.backups.verify()).problems.filter((p) => p.kind !== 'damaged')).toEqual([]);
  });

  it('repair with nothing damaged does nothing; bad arguments are refused before anything is touched', async () => {
    await store.writeFile('doc.txt', 'fine');
    expect(await store.repair()).toEqual({ repaired: [], versions: [], unrepairable: [] });
    await expect(store.repair('doc.txt' as unknown as string[])).rejects.toBeInstanceOf(TypeError);
    await expect(store.repair([42] as unknown as string[])).rejects.toBeInstanceOf(TypeError);
    await expect(store.repair(undefined, { label: 7 } as unknown as object)).rejects.toBeInstanceOf(TypeError);
    await expect(store.repair(['../outside.txt'])).rejects.toMatchObject({ code: 'EOUTSIDE' });
    fs.writeFileSync(abs('foreign.txt'), 'never written through txfs');
    expect((await store.repair(['foreign.txt'])).unrepairable).toEqual([{ path: 'foreign.txt', reason: expect.stringMatching(/not written through the store/) as unknown }]);
  });

  it('txfs/fp has repair: Right with the report, Left with a TxfsError', async () => {
    await store.writeFile('doc.txt', 'fine');
    damage('doc.txt', 'F');
    const right = await fp.repair(store, ['doc.txt'])();
    expect(isRight(right) && right.right.repaired).toEqual(['doc.txt']);
    const left = await fp.repair(store, ['../x'])();
    expect(isLeft(left) && left.left.code).toBe('EOUTSIDE');
  });

  const canMount = ((): boolean => {
    if (process.getuid?.() !== 0) return false;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-mnt-probe-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
      execFileSync('umount', [dir], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  })();

  it.skipIf(!canMount)('a copy that does not fit (ENOSPC) fails the write with nothing replaced and nothing left (needs root and tmpfs)', async () => {
    await store.close();
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-small-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    try {
      await open({ keepCurrent: true, dir: path.join(mnt, 'backups') });
      await store.writeFile('doc.txt', 'small');
      const big = Buffer.alloc(256 * 1024, 7);
      await expect(store.writeFile('doc.txt', big)).rejects.toMatchObject({ code: 'ENOSPC', path: 'doc.txt' });
      expect(bytes('doc.txt').toString()).toBe('small');
      expect(fs.readdirSync(root).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
      expect((await store.backups.verify()).problems).toEqual([]);
      await store.close();
    } finally {
      execFileSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
      await open({ keepCurrent: true });
    }
  });
});
