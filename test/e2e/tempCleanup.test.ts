/**
 * Temp files of writeFileAtomic and the end of the process, with real child processes: a writer ended by SIGTERM,
 * SIGINT or SIGHUP, or calling process.exit(), mid-write, leaves no temp file and the target unchanged, and still ends
 * as the signal (or the exit code) says; a writer SIGKILLed mid-write leaves its temp, which the next writeFileAtomic of
 * that target (in another process) removes — never the temp of a writer still alive.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/index.js';
import { isTempName } from '../../src/ops/tempName.js';
import { spawnChild, type Child } from './children/spawnChild.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-temps-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let dir = '';
let target = '';
let n = 0;
const children: Child[] = [];
beforeEach(() => {
  dir = path.join(root, `case${++n}`);
  fs.mkdirSync(dir);
  target = path.join(dir, 'big.bin');
  fs.writeFileSync(target, 'the old content');
});
afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
});

const temps = (): string[] => fs.readdirSync(dir).filter(isTempName);
const ended = (p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve({ code: p.exitCode, signal: p.signalCode })
    : new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));

/**
 * Starts a writer of `target` in `mode` and waits until it reports its temp file (which it saw in the directory);
 * returns it and the temp's name. A writer that goes on (not `exit` or `drain`) still has it there.
 */
const startWriter = async (mode: string): Promise<{ child: Child; temp: string }> => {
  const child = spawnChild('atomicWriter.ts', [target, mode]);
  children.push(child);
  const line = await child.waitForLine((l) => l.startsWith('writing '));
  const temp = line.slice('writing '.length);
  expect(isTempName(temp)).toBe(true);
  if (mode !== 'exit' && mode !== 'drain') expect(temps()).toEqual([temp]);
  return { child, temp };
};

describe('a writer ended mid-write', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`by ${signal}: its temp is removed, the target unchanged, and it ends by ${signal} (re-raised)`, async () => {
      const { child } = await startWriter('stream');
      const end = ended(child.process);
      child.process.kill(signal);
      expect(await end).toEqual({ code: null, signal });
      expect(temps()).toEqual([]);
      expect(fs.readFileSync(target, 'utf8')).toBe('the old content');
      expect(fs.readdirSync(dir)).toEqual(['big.bin']);
    });
  }

  it('by process.exit(7) from inside the write: its temp is removed, the exit code stays 7', async () => {
    const { child } = await startWriter('exit');
    expect(await ended(child.process)).toEqual({ code: 7, signal: null });
    expect(temps()).toEqual([]);
    expect(fs.readFileSync(target, 'utf8')).toBe('the old content');
  });

  it("by SIGTERM when the program has its own SIGTERM handler: that handler decides (exit 0), the temp is removed at exit", async () => {
    const { child } = await startWriter('own-handler');
    const end = ended(child.process);
    child.process.kill('SIGTERM');
    expect(await end).toEqual({ code: 0, signal: null });
    expect(temps()).toEqual([]);
  });

  it('by running out of work (nothing keeps it alive): it still exits, with 0, and its temp is removed', async () => {
    const { child } = await startWriter('drain');
    expect(await ended(child.process)).toEqual({ code: 0, signal: null });
    expect(temps()).toEqual([]);
    expect(fs.readFileSync(target, 'utf8')).toBe('the old content');
  });
});

describe('a writer SIGKILLed mid-write', () => {
  it('leaves its temp, and the next writeFileAtomic of the target in another process removes it', async () => {
    const { child, temp } = await startWriter('stream');
    await child.kill();
    expect(child.process.signalCode).toBe('SIGKILL');
    expect(temps()).toEqual([temp]);
    await writeFileAtomic(target, 'after the crash');
    expect(fs.readFileSync(target, 'utf8')).toBe('after the crash');
    expect(temps()).toEqual([]);
  });

  it("never removes the temp of a writer still alive (a stalled child holding it), and removes it once that writer is dead", async () => {
    const { child, temp } = await startWriter('stall');
    await writeFileAtomic(target, 'while it lives');
    expect(temps()).toEqual([temp]);
    expect(fs.readFileSync(target, 'utf8')).toBe('while it lives');
    await child.kill();
    await writeFileAtomic(target, 'after it died');
    expect(temps()).toEqual([]);
  });

  it('removes only temps of the target written: a dead writer of another file keeps its temp until that file is written', async () => {
    const other = path.join(dir, 'other.bin');
    const { child } = await startWriter('stream');
    await child.kill();
    const [temp] = temps();
    fs.renameSync(target, other);
    const otherTemp = (temp ?? '').replace('.big.bin.', '.other.bin.');
    fs.renameSync(path.join(dir, temp ?? ''), path.join(dir, otherTemp));
    await writeFileAtomic(target, 'x');
    expect(temps()).toEqual([otherTemp]);
    await writeFileAtomic(other, 'y');
    expect(temps()).toEqual([]);
  });
});
