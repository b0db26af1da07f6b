/**
 * A transaction with more files than the process may open at once: staging and backing up are bounded, so 200 files
 * commit in a child process whose open-file limit is 64 (`ulimit -n 64`: a real EMFILE for anything unbounded).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./children/manyFiles.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs the child under `ulimit -n <limit>`; resolves with its exit code and output. */
const runLimited = (limit: number, root: string, count: number): Promise<{ code: number | null; out: string; err: string }> =>
  new Promise((resolve, reject) => {
    const cmd = `ulimit -n ${limit} && exec "$0" --import tsx "$1" "$2" "$3"`;
    const proc = spawn('bash', ['-c', cmd, process.execPath, script, root, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => resolve({ code, out, err }));
  });

describe('a transaction with more files than the open-file limit', () => {
  it('commits 200 new files, replaces them (each backed up), and replaces 200 files made outside the store, under ulimit -n 64', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-fds-'));
    dirs.push(root);
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(root, `g${i}.txt`), `theirs ${i}`);
    const { code, out, err } = await runLimited(64, root, 200);
    expect(out.trim(), err).toBe('committed 200 200 200');
    expect(code).toBe(0);
    for (const i of [0, 99, 199]) {
      expect(fs.readFileSync(path.join(root, `f${i}.txt`), 'utf8')).toBe(`two ${i}`);
      expect(fs.readFileSync(path.join(root, `g${i}.txt`), 'utf8')).toBe(`ours ${i}`);
    }
    expect(fs.readdirSync(root).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
  });
});
