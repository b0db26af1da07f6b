/**
 * The two-writers test with three hosts on the PostgreSQL journal: three processes (distinct host ids, their own
 * connections) commit overlapping transactions on one root at the same time — a counter they read, modify and write
 * (expecting it unchanged) and three shared files. Every commit lands whole or is refused (ECONFLICT / ELOCKED), no
 * update is lost, the shared files never mix two transactions, and the hosts' commits interleave.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresJournal } from '../../src/postgres/index.js';
import { openStore } from '../../src/store/openStore.js';
import { freshSchema, postgresSkip, sharedPostgres, skipNote } from '../support/sharedPostgres.js';
import { spawnChild, type Child } from './children/spawnChild.js';

const COUNT = 30;
const HOSTS = ['A', 'B', 'C'];
const children: Child[] = [];
const roots: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** How often the host changes along the commits in order: 2 or more means they interleaved. */
const switches = (labels: readonly string[]): number => labels.filter((l, i) => i > 0 && l[0] !== labels[i - 1]?.[0]).length;

describe(`three writer hosts on one root${skipNote}`, () => {
  it.skipIf(postgresSkip !== undefined)('never lose an update nor interleave partial results; each commit lands whole or fails ELOCKED/ECONFLICT', async () => {
    const { url } = await sharedPostgres();
    const schema = freshSchema('writers');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-pgw-'));
    const go = `${root}.go`;
    roots.push(root, go);
    fs.writeFileSync(path.join(root, 'counter.txt'), '0');
    const writers = HOSTS.map((h) => {
      const c = spawnChild('pgHost.ts', [url, schema, root, h, '5000', 'counter', String(COUNT), go]);
      children.push(c);
      return c;
    });
    // Every store open before any writes: they start at the same moment.
    await Promise.all(writers.map((w) => w.waitForLine((l) => l === 'ready')));
    fs.writeFileSync(go, '');
    await Promise.all(writers.map((w) => new Promise((r) => w.process.once('exit', r))));
    const lines = writers.flatMap((w) => w.lines().filter((l) => l.startsWith('ok ') || l.startsWith('fail ')));
    const ok = lines.filter((l) => l.startsWith('ok '));
    const failed = lines.filter((l) => l.startsWith('fail '));
    expect(lines.length).toBe(COUNT * HOSTS.length);
    for (const f of failed) expect(['fail ECONFLICT', 'fail ELOCKED']).toContain(f);
    expect(fs.readFileSync(path.join(root, 'counter.txt'), 'utf8')).toBe(String(ok.length));
    const shared = [0, 1, 2].map((s) => fs.readFileSync(path.join(root, `s${s}.txt`), 'utf8'));
    expect(new Set(shared).size).toBe(1);
    expect(ok.map((l) => l.slice(3).replace(' ', ':'))).toContain(shared[0]);
    for (const h of HOSTS) expect(ok.some((l) => l.startsWith(`ok ${h} `))).toBe(true);
    expect(failed.length).toBeGreaterThan(0);
    const journal = await postgresJournal({ connectionString: url, schema, hostId: 'checker' });
    const store = await openStore({ root, journal });
    try {
      const status = await store.status();
      expect(status.locks).toEqual([]);
      expect(status.openTransactions).toEqual([]);
      expect(status.externallyChanged).toEqual([]);
      const log = [];
      for await (const s of store.log()) if (s.state === 'committed') log.push(s);
      expect(log.length).toBe(ok.length);
      const order = log.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime() || (x.id < y.id ? -1 : 1)).map((s) => s.label ?? '');
      expect(switches(order)).toBeGreaterThanOrEqual(2);
      console.log(`three writer hosts: ${ok.length} commits, ${failed.length} refused (${[...new Set(failed)].join(', ')}), the host changed ${switches(order)} times along the commits`);
    } finally {
      await store.close();
      await journal.close();
    }
  }, 180_000);
});
