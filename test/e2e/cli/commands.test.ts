import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryReport, StoreStatus, TxResult, TxSummary, VerifyReport, WriteResult } from '../../../src/types.js';
import { cliCommand, removeDir, runJson, runTxfs, tempDir } from './harness.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('txfs commands, each run as a child process against a real store', () => {
  let root: string;
  const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');
  const put = (rel: string, s: string): void => fs.writeFileSync(path.join(root, rel), s);

  beforeAll(() => {
    root = tempDir();
  });
  afterAll(() => removeDir(root));

  it('writes from stdin and from a file, validated, and reports the checksum', async () => {
    const fromStdin = await runJson<WriteResult>(root, ['write', 'a.json', '--validate', 'json'], 0, { input: '{"v":1}' });
    expect(fromStdin).toMatchObject({ path: 'a.json', status: 'written', sha256: sha('{"v":1}'), size: 7 });
    expect(read('a.json')).toBe('{"v":1}');
    put('src.txt', 'from a file');
    const fromFile = await runJson<WriteResult>(root, ['write', 'b.txt', '--from', path.join(root, 'src.txt'), '--checksum']);
    expect(fromFile).toMatchObject({ path: 'b.txt', status: 'written', sha256: sha('from a file') });
    expect(read('b.txt.sha256')).toBe(`${sha('from a file')}  b.txt\n`);
    const human = await runTxfs(['--root', root, 'write', 'c.txt'], { input: 'plain' });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^wrote c\.txt\s+5 B\s+sha256 [0-9a-f]{12}\n$/);
  });

  it('refuses invalid content with exit 1 and one line, leaving the file as it was', async () => {
    const r = await runTxfs(['--root', root, 'write', 'a.json', '--validate', 'json'], { input: '{"v":' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('EVALIDATION');
    expect(read('a.json')).toBe('{"v":1}');
  });

  it('resolves an existing target by policy: fail exits 3, skip 0, rename and keep-both land beside it', async () => {
    const failed = await runTxfs(['--root', root, 'write', 'a.json', '--on-exists', 'fail'], { input: '{"v":2}' });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('ECONFLICT');
    expect(read('a.json')).toBe('{"v":1}');
    expect(await runJson<WriteResult>(root, ['write', 'a.json', '--on-exists', 'skip'], 0, { input: '{"v":2}' })).toMatchObject({ status: 'skipped' });
    expect(await runJson<WriteResult>(root, ['write', 'a.json', '--on-exists', 'rename'], 0, { input: '{"v":2}' })).toMatchObject({
      path: 'a (1).json',
      status: 'written',
    });
    const both = await runJson<WriteResult>(root, ['write', 'a.json', '--on-exists', 'keep-both'], 0, { input: '{"v":3}' });
    expect(both.path).toMatch(/^a \(conflict \d{4}-\d\d-\d\d \d{6}\)\.json$/);
    expect(read('a.json')).toBe('{"v":1}');
    expect(read('a (1).json')).toBe('{"v":2}');
    expect(read(both.path)).toBe('{"v":3}');
  });

  it('writes several files from a directory in one transaction, shown by log', async () => {
    const staging = path.join(root, 'staging');
    fs.mkdirSync(path.join(staging, 'out'), { recursive: true });
    fs.mkdirSync(path.join(root, 'out'));
    for (const n of ['x', 'y', 'z']) fs.writeFileSync(path.join(staging, `out/${n}.txt`), `content ${n}`);
    const tx = await runJson<TxResult<unknown>>(root, ['write', 'out/x.txt', 'out/y.txt', 'out/z.txt', '--from', staging, '--checksum']);
    expect(tx.status).toBe('committed');
    // The sidecars are written in the same transaction.
    expect(tx.files.filter((f) => f.path.endsWith('.sha256')).map((f) => f.path)).toEqual(['out/x.txt.sha256', 'out/y.txt.sha256', 'out/z.txt.sha256']);
    expect(tx.files.filter((f) => !f.path.endsWith('.sha256')).map((f) => [f.path, f.action])).toEqual([
      ['out/x.txt', 'written'],
      ['out/y.txt', 'written'],
      ['out/z.txt', 'written'],
    ]);
    expect(read('out/y.txt')).toBe('content y');
    expect(read('out/z.txt.sha256')).toBe(`${sha('content z')}  z.txt\n`);
    const log = await runJson<TxSummary[]>(root, ['log', 'out/y.txt']);
    expect(log.map((t) => t.id)).toEqual([tx.id]);
    const latest = await runJson<TxSummary[]>(root, ['log', '--limit', '1']);
    expect(latest.map((t) => t.id)).toEqual([tx.id]);
  });

  it('deletes into the backup store', async () => {
    put('gone.txt', 'bye');
    await runJson(root, ['write', 'gone.txt', '--from', path.join(root, 'gone.txt')]);
    const r = await runJson<TxResult<unknown>>(root, ['rm', 'gone.txt']);
    expect(r.files).toMatchObject([{ path: 'gone.txt', action: 'deleted' }]);
    expect(fs.existsSync(path.join(root, 'gone.txt'))).toBe(false);
  });

  it('verify finds a file corrupted behind its back (exit 1) and status lists it', async () => {
    expect(await runJson<VerifyReport>(root, ['verify', 'b.txt'])).toMatchObject({ checked: 1, ok: 1, problems: [] });
    put('b.txt', 'tampered');
    const report = await runJson<VerifyReport>(root, ['verify'], 1);
    expect(report.problems.map((p) => p.path)).toContain('b.txt');
    const human = await runTxfs(['--root', root, 'verify', 'b.txt']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/b\.txt/);
    const status = await runJson<StoreStatus>(root, ['status']);
    expect(status.root).toBe(root);
    expect(status.openTransactions).toEqual([]);
    expect(status.externallyChanged.map((x) => x.path)).toContain('b.txt');
  });

  it('recover rolls back a transaction whose process was killed mid-staging, and removes its temp files', async () => {
    fs.mkdirSync(path.join(root, 'export'));
    const [exe, ...pre] = cliCommand();
    const child = spawn(exe ?? process.execPath, [...pre, '__demo-export', root, '--slow'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const txId = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        const m = /^STAGING (\S+)/m.exec(out);
        if (m !== null) resolve(m[1] ?? '');
      });
      child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
      child.on('exit', () => reject(new Error(`the export exited before staging: ${err}`)));
    });
    const died = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await died;
    expect(fs.readdirSync(path.join(root, 'export')).some((n) => n.endsWith('.txfs-tmp'))).toBe(true);
    const r = await runJson<RecoveryReport>(root, ['recover']);
    expect(r.rolledBack).toEqual([txId]);
    expect(r.tempFilesRemoved).toBeGreaterThan(0);
    expect(fs.readdirSync(path.join(root, 'export'))).toEqual([]);
    const log = await runJson<TxSummary[]>(root, ['log', '--limit', '1']);
    expect(log[0]).toMatchObject({ id: txId, state: 'rolled-back' });
  });

  it('uses the current directory as the root by default', async () => {
    const r = await runTxfs(['--json', 'status'], { cwd: root });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as StoreStatus).root).toBe(root);
  });

  it('recover on a clean journal reports nothing to do', async () => {
    const r = await runJson<RecoveryReport>(root, ['recover']);
    expect(r).toMatchObject({ rolledForward: [], rolledBack: [], tempFilesRemoved: 0 });
    const human = await runTxfs(['--root', root, 'recover']);
    expect(human.stdout).toContain('Nothing to recover');
  });

  it('rejects a path outside the root with exit 1 and one line', async () => {
    const r = await runTxfs(['--root', root, 'write', '../escape.txt'], { input: 'x' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EOUTSIDE');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names the missing directory and the flag that creates it', async () => {
    const r = await runTxfs(['--root', root, 'write', 'new/dir/f.txt'], { input: 'x' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`txfs: error: ENOENT: the directory ${path.join(root, 'new/dir')} does not exist: create it, or pass --mkdir\n`);
    expect(await runJson<WriteResult>(root, ['write', 'new/dir/f.txt', '--mkdir'], 0, { input: 'x' })).toMatchObject({ status: 'written' });
    expect(read('new/dir/f.txt')).toBe('x');
  });
});
