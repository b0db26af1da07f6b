import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runJson, runTxfs, tempDir } from './harness.js';

describe('txfs usage, help and exit codes', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir();
  });
  afterAll(() => removeDir(root));

  it('prints help listing every command, with exit code 0', async () => {
    const r = await runTxfs(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['write', 'rm', 'recover', 'status', 'log', 'undo', 'backups', 'verify', 'checksum', 'watch', 'demo']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 operation failed, 2 usage error, 3 conflict declined or cancelled.');
    expect(r.stdout).not.toContain('__demo-export');
  });

  it('exits 2 on an unknown command, an invalid choice or a missing argument', async () => {
    const unknown = await runTxfs(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const choice = await runTxfs(['write', 'a.txt', '--on-exists', 'sometimes']);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain('Allowed choices are ask, overwrite, skip, rename, keep-both, fail');
    const missing = await runTxfs(['undo']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'txid'");
  });

  it('refuses --on-exists ask without a terminal and names the flags to pass instead', async () => {
    const r = await runTxfs(['--root', root, 'write', 'a.txt', '--on-exists', 'ask'], { input: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('pass --on-exists overwrite, skip, rename, keep-both or fail instead');
    expect(fs.existsSync(path.join(root, 'a.txt'))).toBe(false);
  });

  it('writes a sha256sum sidecar that sha256sum -c accepts, and checks it (exit 1 once the file changed)', async () => {
    fs.writeFileSync(path.join(root, 'data.bin'), 'some bytes');
    const written = await runJson<Array<{ path: string; sha256: string }>>(root, ['checksum', 'data.bin']);
    const expected = createHash('sha256').update('some bytes').digest('hex');
    expect(written).toEqual([{ path: 'data.bin', sha256: expected }]);
    expect(execFileSync('sha256sum', ['-c', 'data.bin.sha256'], { cwd: root, encoding: 'utf8' })).toContain('data.bin: OK');
    expect(await runJson(root, ['checksum', '--check', 'data.bin'])).toEqual([{ path: 'data.bin', ok: true }]);
    fs.writeFileSync(path.join(root, 'data.bin'), 'other bytes');
    expect(await runJson(root, ['checksum', '--check', 'data.bin'], 1)).toEqual([{ path: 'data.bin', ok: false }]);
    const human = await runTxfs(['--root', root, 'checksum', '-c', 'data.bin']);
    expect(human.stdout).toBe('data.bin: FAILED\n');
  });

  it('prints one actionable line for an OS error, and the stack only with TXFS_DEBUG=1', async () => {
    const r = await runTxfs(['--root', root, 'checksum', 'missing.txt']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^txfs: error: ENOENT: no such file or directory .*missing\.txt/);
    const debug = await runTxfs(['--root', root, 'checksum', 'missing.txt'], { env: { TXFS_DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.stderr.trim().split('\n').length).toBeGreaterThan(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
