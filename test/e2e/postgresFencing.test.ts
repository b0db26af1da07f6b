/**
 * Fencing across hosts, with real processes on the PostgreSQL journal: host A is paused (SIGSTOP) in the middle of a
 * transaction for longer than its lease; host B finds A dead (its lease expired by the database's clock), recovers
 * A's transaction and takes its lock; A is resumed (SIGCONT) and reaches its commit point: refused, ELOCKED naming B.
 * B's transaction lands; nothing of A's is left.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresJournal } from '../../src/postgres/index.js';
import { openStore } from '../../src/store/openStore.js';
import { freshSchema, postgresSkip, sharedPostgres, skipNote } from '../support/sharedPostgres.js';
import { spawnChild, type Child } from './children/spawnChild.js';

const LEASE_MS = 1000;
const children: Child[] = [];
const roots: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.process.kill('SIGCONT');
    await c.kill();
  }
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

const host = (args: readonly string[]): Child => {
  const c = spawnChild('pgHost.ts', args);
  children.push(c);
  return c;
};

describe(`a host paused past its lease${skipNote}`, () => {
  it.skipIf(postgresSkip !== undefined)('is refused at its commit point (ELOCKED naming the host that took its lock over), and leaves nothing behind', async () => {
    const { url } = await sharedPostgres();
    const schema = freshSchema('fence');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-fence-'));
    roots.push(root);
    const goA = path.join(root, '..', `${path.basename(root)}.goA`);
    const goB = path.join(root, '..', `${path.basename(root)}.goB`);
    roots.push(goA, goB);
    const a = host([url, schema, root, 'host-a', String(LEASE_MS), 'hold', 'x.txt', 'A'.repeat(64), goA]);
    await a.waitForLine((l) => l === 'staging');
    a.process.kill('SIGSTOP');
    // Paused until the database says its lease has expired.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      for (;;) {
        const r = await admin.query<{ expired: boolean }>(`SELECT bool_and(expires_at < now()) AS expired FROM "${schema}".leases WHERE host = 'host-a'`);
        if (r.rows[0]?.expired === true) break;
        await sleep(50);
      }
    } finally {
      await admin.end();
    }
    const b = host([url, schema, root, 'host-b', String(LEASE_MS), 'hold', 'x.txt', 'B'.repeat(64), goB]);
    // B holds x.txt now: it recovered A's transaction and took the lock A had.
    await b.waitForLine((l) => l === 'staging');
    a.process.kill('SIGCONT');
    fs.writeFileSync(goA, '');
    const outcome = await a.waitForLine((l) => l === 'committed' || l.startsWith('fail '));
    console.log(`fencing: host A resumed after its lease lapsed: ${outcome}`);
    expect(outcome).toMatch(new RegExp(`^fail ELOCKED ELOCKED: x\\.txt is now locked by pid ${b.pid} \\(host-b hold\\) on host host-b since .*lease on the shared journal lapsed`));
    const lapses = await a.waitForLine((l) => l.startsWith('lapses '));
    expect(Number(lapses.split(' ')[1])).toBeGreaterThanOrEqual(1);
    fs.writeFileSync(goB, '');
    expect(await b.waitForLine((l) => l === 'committed' || l.startsWith('fail '))).toBe('committed');
    await b.waitForLine((l) => l.startsWith('lapses '));

    expect(fs.readFileSync(path.join(root, 'x.txt'), 'utf8')).toBe('B'.repeat(64));
    expect(fs.readdirSync(root).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
    const journal = await postgresJournal({ connectionString: url, schema, hostId: 'checker' });
    const store = await openStore({ root, journal });
    try {
      const status = await store.status();
      expect(status.locks).toEqual([]);
      expect(status.openTransactions).toEqual([]);
      const states = new Map<string, string>();
      for await (const t of store.log()) states.set(t.label ?? '', t.state);
      expect(Object.fromEntries(states)).toEqual({ 'host-a hold': 'rolled-back', 'host-b hold': 'committed' });
      expect((await store.backups.verify()).problems).toEqual([]);
    } finally {
      await store.close();
      await journal.close();
    }
  });
});
