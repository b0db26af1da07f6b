import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExternalChange, WriteResult } from '../../../src/types.js';
import { cliCommand, removeDir, runJson, tempDir } from './harness.js';

describe('txfs watch', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir();
  });
  afterAll(() => removeDir(root));

  it('reports a file changed from outside, with the recorded and the actual checksum', async () => {
    const written = await runJson<WriteResult>(root, ['write', 'w.txt'], 0, { input: 'by txfs' });
    const [exe, ...pre] = cliCommand();
    const child = spawn(exe ?? process.execPath, [...pre, '--root', root, '--json', 'watch', '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Whether the change lands before or after the watcher is ready, it is reported: changes made before are found by the first scan.
    fs.writeFileSync(path.join(root, 'w.txt'), 'by someone else');
    const code = await exited;
    expect(code, stderr).toBe(0);
    const change = JSON.parse(stdout.trim()) as ExternalChange;
    expect(change).toMatchObject({ path: 'w.txt', kind: 'modified', expected: written.sha256 });
    expect(change.actual).not.toBe(written.sha256);
  });

  it('does not report writes made through txfs, keeps watching, and exits 0 when interrupted', async () => {
    fs.writeFileSync(path.join(root, 'src-ours.txt'), 'v1');
    await runJson(root, ['write', 'ours.txt', '--from', path.join(root, 'src-ours.txt')]);
    await runJson(root, ['write', 'theirs.txt'], 0, { input: 'v1' });
    const [exe, ...pre] = cliCommand();
    const child = spawn(exe ?? process.execPath, [...pre, '--root', root, 'watch', 'ours.txt', 'theirs.txt'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let stdout = '';
    const reported = new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        if (stdout.includes('theirs.txt')) resolve();
      }),
    );
    await new Promise<void>((resolve) => {
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        err += s;
        if (err.includes('watching')) resolve();
      });
    });
    await runJson(root, ['write', 'ours.txt'], 0, { input: 'v2 through txfs' });
    fs.writeFileSync(path.join(root, 'theirs.txt'), 'v2 behind its back');
    await reported;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/^modified theirs\.txt/m);
    expect(stdout).not.toContain('ours.txt');
  });
});
