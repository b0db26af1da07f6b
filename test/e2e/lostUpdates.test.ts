/**
 * Several processes on one store, each running read-modify-write transactions on the same four files, one of them
 * SIGKILLed now and then (and restarted): no acknowledged transaction may vanish from a file's history. A dead
 * holder's locks pass only to whoever finishes its transaction (recovery); another process never commits over a
 * half-applied transaction that a later recovery would then roll over the newer, acknowledged commits.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { spawnChild, type Child } from './children/spawnChild.js';

const roots: string[] = [];
const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

const KILLS = Number(process.env.TXFS_RMW_KILLS ?? 12);
const FILES = ['k/a', 'k/b', 'k/c', 'k/d'];

describe('three processes doing read-modify-write on four files, one killed every 0.4–1.5 s', () => {
  it(`keeps every acknowledged transaction in its file's history through ${KILLS} kills`, async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-rmw-'));
    roots.push(root);
    fs.mkdirSync(path.join(root, 'k'));
    for (const f of FILES) fs.writeFileSync(path.join(root, f), '');
    const acked: Array<{ file: string; tag: string }> = [];
    const collect = (c: Child): void => {
      for (const line of c.lines()) {
        const m = /^ack (\S+) (\S+)$/.exec(line);
        if (m?.[1] !== undefined && m[2] !== undefined) acked.push({ file: m[1], tag: m[2] });
      }
    };
    let generation = 0;
    const start = async (slot: number): Promise<Child> => {
      const c = spawnChild('rmwWriter.ts', [root, `w${slot}g${generation++}`]);
      children.push(c);
      await c.waitForLine((l) => l === 'ready');
      return c;
    };
    const workers = [await start(0), await start(1), await start(2)];
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 1100));
      const slot = Math.floor(Math.random() * workers.length);
      const victim = workers[slot] as Child;
      await victim.kill();
      collect(victim);
      children.splice(children.indexOf(victim), 1);
      workers[slot] = await start(slot);
    }
    for (const w of workers) {
      await w.kill();
      collect(w);
    }
    children.splice(0);
    const store = await openStore({ root });
    const lines = new Map(FILES.map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8').split('\n').filter((l) => l !== '')]));
    const lost = acked.filter(({ file, tag }) => !(lines.get(file) ?? []).includes(tag));
    const total = [...lines.values()].reduce((n, l) => n + l.length, 0);
    console.log(`rmw: ${KILLS} kills, ${acked.length} acknowledged, ${total} in the files, ${lost.length} lost`);
    expect(acked.length).toBeGreaterThan(KILLS);
    expect(lost).toEqual([]);
    // Each tag at most once in its file: no transaction applied twice (rolled forward over itself).
    for (const l of lines.values()) expect(new Set(l).size).toBe(l.length);
    // Every line of a file is a committed transaction of the log, never one the log says was rolled back.
    const states = new Map<string, string>();
    for await (const t of store.log()) states.set(t.id, t.state);
    expect([...states.values()].filter((s) => s === 'committing' || s === 'staging')).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(acked.length);
    await store.close();
  });
});
