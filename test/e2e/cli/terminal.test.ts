import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, removeDir, runTxfs, tempDir } from './harness.js';
import { openTerminal, type Terminal } from './tmux.js';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const esc = '\u001b[';

describe('txfs on a terminal: progress bars and colours', () => {
  let root: string;
  let t: Terminal | undefined;
  beforeAll(() => {
    root = tempDir();
    fs.writeFileSync(path.join(root, 'source.bin'), randomBytes(9 * 1024 * 1024));
  });
  afterAll(() => {
    t?.close();
    removeDir(root);
  });

  it('draws progress bars for a large write, verify and backups verify, in colour unless NO_COLOR is set or --json is on', async () => {
    const txfs = cliCommand().map(quote).join(' ');
    const script = [
      'unset NO_COLOR',
      `${txfs} write big.bin --from source.bin`,
      'echo =1=',
      `${txfs} verify`,
      'echo =2=',
      `NO_COLOR=1 ${txfs} verify`,
      'echo =3=',
      `${txfs} --json verify`,
      'echo =4=',
      `${txfs} write big.bin --from source.bin > /dev/null`,
      `${txfs} backups verify`,
    ].join('; ');
    t = openTerminal(['sh', '-c', script], root);
    expect(await t.exitCode()).toBe(0);
    const [write = '', verify = '', plain = '', json = '', backups = ''] = t.screen(true).split(/=\d=/);
    expect(write).toMatch(/writing .* 100% \| 9\.0 MiB \/ 9\.0 MiB/);
    expect(write).toContain(`${esc}32mwrote`);
    expect(verify).toMatch(/verifying .* 100% \| 1\/1/);
    expect(verify).toContain(`${esc}32m1 file(s) checked, all intact`);
    expect(plain).toContain('1 file(s) checked, all intact');
    expect(plain).not.toContain(`${esc}32m`);
    expect(json).not.toContain('verifying');
    expect(json).toMatch(/"checked": 1/);
    expect(backups).toMatch(/verifying backups .* 100% \| 1\/1/);
    expect(backups).toContain('1 backup(s) checked, all intact');
  });

  it('draws no bar and no colour when the output is not a terminal', async () => {
    const r = await runTxfs(['--root', root, 'verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1 file(s) checked, all intact\n');
    expect(r.stderr).toBe('');
  });
});
