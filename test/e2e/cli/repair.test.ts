import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/openStore.js';
import type { BackupEntry, RepairReport, TxResult, VerifyReport } from '../../../src/types.js';
import { removeDir, runJson, runTxfs, tempDir } from './harness.js';
import { damageFile } from '../../damageFile.js';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

describe('txfs repair and damaged backups, as child processes against a real store', () => {
  let root: string;
  const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');
  const damage = (rel: string, bytes: string): void => damageFile(path.join(root, rel), bytes);
  let writtenBy: string;

  beforeAll(async () => {
    root = tempDir();
    // The versions are written by an application that keeps copies of what it writes; the CLI repairs from them.
    const store = await openStore({ root, backups: { keepCurrent: true } });
    try {
      await store.writeFile('doc.txt', 'version one');
      writtenBy = (await store.transaction((tx) => void tx.writeFile('doc.txt', 'version two'))).id;
    } finally {
      await store.close();
    }
    // Not kept: written by the CLI, whose store keeps no copies of current versions.
    for (const v of ['other one', 'other two']) await runJson(root, ['write', 'other.txt'], 0, { input: v });
    damage('doc.txt', 'XXXXXXX');
    damage('other.txt', 'YYYYY');
  });
  afterAll(() => removeDir(root));

  it('txfs repair puts the damaged file back to the version txfs wrote and says which; the one without a kept copy exits 1', async () => {
    const r = await runTxfs(['--root', root, 'repair']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`repaired doc.txt: the version transaction ${writtenBy} wrote (11 B, sha256 ${sha('version two').slice(0, 12)}) is back`);
    expect(r.stdout).toMatch(/not repaired other\.txt: .*no copy of that version was kept.*the newest intact backup is \S+ .*txfs backups restore other\.txt --backup \S+/);
    expect(r.stdout).toMatch(/repair transaction (\S+) \(undo it with txfs undo \1/);
    expect(read('doc.txt')).toBe('version two');
    expect(read('other.txt')).toBe('YYYYY two');
    expect((await runTxfs(['--root', root, 'repair'])).stdout).not.toContain('repaired doc.txt');
  });

  it('lists the damaged backup and the kept copy for what they are, and backups verify reports the damaged one', async () => {
    const list = await runJson<BackupEntry[]>(root, ['backups', 'list', 'doc.txt']);
    const damaged = list.filter((b) => b.damaged === true);
    expect(damaged.map((b) => fs.readFileSync(b.file, 'utf8'))).toEqual(['XXXXXXX two']);
    expect(list.filter((b) => b.current === true).map((b) => b.sha256)).toEqual([sha('version two')]);
    const human = await runTxfs(['--root', root, 'backups', 'list', 'doc.txt']);
    expect(human.stdout).toMatch(new RegExp(`${damaged[0]?.id ?? '?'} .*damaged: not what txfs wrote`));
    expect(human.stdout).toContain('current version (kept copy)');

    const verify = await runTxfs(['--root', root, 'backups', 'verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/damaged\s+\S+doc-\S+: the backup of doc\.txt \S+ holds a damaged version/);
    const report = await runJson<VerifyReport>(root, ['backups', 'verify'], 1);
    expect(report.problems.map((p) => p.kind)).toEqual(['damaged']);
  });

  it('a restore without a terminal takes the newest intact version, never the damaged one, however often it runs', async () => {
    for (const v of ['third one', 'third two']) await runJson(root, ['write', 'third.txt'], 0, { input: v });
    damage('third.txt', 'ZZZZZ');
    await runJson<TxResult<unknown>>(root, ['backups', 'restore', 'third.txt']);
    expect(read('third.txt')).toBe('third one');
    // The first restore backed up the damaged bytes as the newest backup: the second must not bring them back.
    await runJson<TxResult<unknown>>(root, ['backups', 'restore', 'third.txt']);
    expect(read('third.txt')).toBe('third one');
  });

  it('txfs repair FILE with --json repairs just that file, again after a repair, and txfs undo undoes the repair', async () => {
    // The CLI's own repair kept doc.txt repairable: the kept copy still holds the version the store wrote.
    damage('doc.txt', 'QQ');
    damage('third.txt', 'QQ');
    const fixed = await runJson<RepairReport>(root, ['repair', 'doc.txt']);
    expect(fixed.repaired).toEqual(['doc.txt']);
    expect(fixed.versions.map((v) => v.sha256)).toEqual([sha('version two')]);
    expect(read('doc.txt')).toBe('version two');
    expect(read('third.txt')).toBe('QQird one');
    await runJson<TxResult<unknown>>(root, ['undo', fixed.txId ?? '']);
    expect(read('doc.txt')).toBe('QQrsion two');

    const refused = await runJson<RepairReport>(root, ['repair', 'other.txt'], 1);
    expect(refused).toMatchObject({ repaired: [], versions: [], unrepairable: [{ path: 'other.txt' }] });
    expect(read('other.txt')).toBe('YYYYY two');
  });
});
