/**
 * Two processes commit overlapping transactions on one store at the same time: every commit lands whole or is
 * refused (ECONFLICT / ELOCKED), no update is lost, and the shared files never mix the two writers' transactions.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.js';

const script = fileURLToPath(new URL('./fixtures/writerChild.ts', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-2w-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const writer = (name: string, count: number): Promise<string[]> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, root, name, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').filter((l) => l !== '')) : reject(new Error(`writer ${name} exited ${code}: ${err}`))));
  });

describe('two writer processes on one store', () => {
  it('never lose an update nor interleave partial results; each commit lands whole or fails ELOCKED/ECONFLICT', async () => {
    fs.writeFileSync(path.join(root, 'counter.txt'), '0');
    const [a, b] = await Promise.all([writer('A', 40), writer('B', 40)]);
    const lines = [...(a ?? []), ...(b ?? [])];
    const ok = lines.filter((l) => l.startsWith('ok '));
    const failed = lines.filter((l) => l.startsWith('fail '));
    expect(lines.length).toBe(80);
    for (const f of failed) expect(['fail ECONFLICT', 'fail ELOCKED']).toContain(f);
    // No lost update: the counter counts every commit of both writers.
    expect(fs.readFileSync(path.join(root, 'counter.txt'), 'utf8')).toBe(String(ok.length));
    // No interleaving: the three shared files hold one transaction's content, the last one that committed.
    const shared = [0, 1, 2].map((s) => fs.readFileSync(path.join(root, `s${s}.txt`), 'utf8'));
    expect(new Set(shared).size).toBe(1);
    expect(ok.map((l) => l.slice(3).replace(' ', ':'))).toContain(shared[0]);
    // Both made progress, and they really overlapped (some commit was refused or waited for the other's locks).
    expect(ok.some((l) => l.startsWith('ok A'))).toBe(true);
    expect(ok.some((l) => l.startsWith('ok B'))).toBe(true);
    const store = await openStore({ root });
    try {
      const status = await store.status();
      expect(status.locks).toEqual([]);
      expect(status.openTransactions).toEqual([]);
      expect(status.externallyChanged).toEqual([]);
      const log = [];
      for await (const s of store.log()) if (s.state === 'committed') log.push(s);
      expect(log.length).toBe(ok.length);
    } finally {
      await store.close();
    }
    console.log(`two writers: ${ok.length} commits, ${failed.length} refused (${[...new Set(failed)].join(', ') || 'none'})`);
  }, 120_000);
});
