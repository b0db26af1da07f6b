import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupEntry, TxResult, VerifyReport, WriteResult } from '../../../src/types.js';
import { removeDir, runJson, runTxfs, tempDir } from './harness.js';

describe('txfs backups and undo, as child processes against a real store', () => {
  let root: string;
  const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');
  let versions: WriteResult[];

  beforeAll(async () => {
    root = tempDir();
    versions = [];
    for (const v of ['one', 'two', 'three']) versions.push(await runJson<WriteResult>(root, ['write', 'doc.txt'], 0, { input: v }));
  });
  afterAll(() => removeDir(root));

  it('lists the replaced versions, newest first', async () => {
    const list = await runJson<BackupEntry[]>(root, ['backups', 'list', 'doc.txt']);
    expect(list.map((b) => b.size)).toEqual([3, 3]);
    expect(list.map((b) => b.txId)).toEqual([expect.any(String), expect.any(String)]);
    expect(fs.readFileSync(list[0]!.file).length).toBeGreaterThan(0);
    const human = await runTxfs(['--root', root, 'backups', 'list', 'doc.txt']);
    expect(human.stdout.split('\n')[0]).toMatch(/^ID\s+TIME\s+SIZE\s+TRANSACTION\s+SHA256/);
  });

  it('restores a chosen backup, the newest one without a terminal, and to another path', async () => {
    const list = await runJson<BackupEntry[]>(root, ['backups', 'list', 'doc.txt']);
    const oldest = list[list.length - 1]!;
    await runJson<TxResult<unknown>>(root, ['backups', 'restore', 'doc.txt', '--backup', oldest.id]);
    expect(read('doc.txt')).toBe('one');
    await runJson<TxResult<unknown>>(root, ['backups', 'restore', 'doc.txt']);
    // The newest backup is now the version the first restore replaced.
    expect(read('doc.txt')).toBe('three');
    await runJson<TxResult<unknown>>(root, ['backups', 'restore', 'doc.txt', '--backup', oldest.id, '--to', 'doc-first.txt']);
    expect(read('doc-first.txt')).toBe('one');
    expect(read('doc.txt')).toBe('three');
  });

  it('verifies, reports usage and prunes', async () => {
    expect(await runJson<VerifyReport>(root, ['backups', 'verify'])).toMatchObject({ problems: [] });
    const usage = await runJson<{ files: number; backups: number; bytes: number }>(root, ['backups', 'usage']);
    expect(usage.files).toBe(1);
    expect(usage.backups).toBeGreaterThanOrEqual(2);
    const pruned = await runJson<{ removed: number; freedBytes: number }>(root, ['backups', 'prune']);
    expect(typeof pruned.removed).toBe('number');
  });

  it('undoes a committed transaction', async () => {
    const w = await runJson<WriteResult>(root, ['write', 'doc.txt'], 0, { input: 'four' });
    const log = await runJson<Array<{ id: string }>>(root, ['log', 'doc.txt', '--limit', '1']);
    const txId = log[0]!.id;
    expect(w.sha256).toMatch(/^[0-9a-f]{64}$/);
    const undone = await runJson<TxResult<unknown>>(root, ['undo', txId]);
    expect(undone.status).toBe('committed');
    expect(read('doc.txt')).toBe('three');
    const r = await runTxfs(['--root', root, 'undo', 'no-such-transaction']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
