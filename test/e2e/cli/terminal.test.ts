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

  it('draws progress bars for large writes (from a file and from stdin), verify and backups verify, in colour unless NO_COLOR is set or --json is on', async () => {
    const txfs = cliCommand().map(quote).join(' ');
    const script = [
      'unset NO_COLOR',
      `${txfs} write big.bin --from source.bin`,
      `${txfs} write piped.bin < source.bin`,
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
    expect(write.match(/writing .* 100% \| 9\.0 MiB \/ 9\.0 MiB/g)).toHaveLength(2);
    expect(write).toContain(`${esc}32mwrote`);
    expect(verify).toMatch(/verifying .* 100% \| 2\/2/);
    expect(verify).toContain(`${esc}32m2 file(s) checked, all intact`);
    expect(plain).toContain('2 file(s) checked, all intact');
    expect(plain).not.toContain(`${esc}32m`);
    expect(json).not.toContain('verifying');
    expect(json).toMatch(/"checked": 2/);
    expect(backups).toMatch(/verifying backups .* 100% \| 1\/1/);
    expect(backups).toContain('1 backup(s) checked, all intact');
  });

  it('draws no bar and no colour when the output is not a terminal', async () => {
    const r = await runTxfs(['--root', root, 'verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2 file(s) checked, all intact\n');
    expect(r.stderr).toBe('');
  });
});
