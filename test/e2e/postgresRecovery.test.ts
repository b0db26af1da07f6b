/**
 * Recovery with many hosts, with real processes on the PostgreSQL journal: a host recovers only the transactions
 * whose owner is dead — by its lease (another host) or by its pid (the same host, restarted) — two hosts recovering
 * at once finish each dead transaction exactly once, and a live host's transaction is never touched.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresJournal, type PostgresJournal } from '../../src/postgres/index.js';
import { openStore, recover } from '../../src/store/openStore.js';
import type { Store } from '../../src/types.js';
import { freshSchema, postgresSkip, sharedPostgres, skipNote } from '../support/sharedPostgres.js';
import { spawnChild, type Child } from './children/spawnChild.js';

const skip = postgresSkip !== undefined;
const children: Child[] = [];
const roots: string[] = [];
const closing: Array<Store | PostgresJournal> = [];
afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
  for (const s of closing.splice(0)) await s.close();
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

const FILES = ['f1.txt', 'f2.txt', 'f3.txt', 'f4.txt'];

/** A host whose transactions on `files` are all stuck half-way (until it is killed). */
const stuckHost = async (url: string, schema: string, root: string, hostId: string, leaseMs: number, files: readonly string[]): Promise<Child> => {
  const c = spawnChild('pgHost.ts', [url, schema, root, hostId, String(leaseMs), 'stuck', ...files]);
  children.push(c);
  for (const f of files) await c.waitForLine((l) => l === `staging ${f}`);
  return c;
};

const storeAs = async (url: string, schema: string, root: string, hostId: string, { recover = true }: { readonly recover?: boolean } = {}): Promise<Store> => {
  const journal = await postgresJournal({ connectionString: url, schema, hostId, leaseMs: 1000 });
  closing.push(journal);
  const store = await openStore({ root, journal, recover });
  closing.unshift(store);
  return store;
};

const temps = (root: string): string[] => fs.readdirSync(root).filter((n) => n.endsWith('.txfs-tmp'));

const waitUntilExpired = async (url: string, schema: string, hostId: string): Promise<void> => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (;;) {
      const r = await admin.query<{ expired: boolean }>(`SELECT bool_and(expires_at < now()) AS expired FROM "${schema}".leases WHERE host = $1`, [hostId]);
      if (r.rows[0]?.expired === true) return;
      await sleep(50);
    }
  } finally {
    await admin.end();
  }
};

describe(`recovery with several hosts${skipNote}`, () => {
  it.skipIf(skip)("leaves a killed host's transactions to its lease on other hosts, and recovers them at once on its own host (restarted)", async () => {
    const { url } = await sharedPostgres();
    const schema = freshSchema('restart');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-pgrec-'));
    roots.push(root);
    // A long lease: it cannot expire during the test.
    const dead = await stuckHost(url, schema, root, 'host-d', 60_000, FILES);
    await dead.kill();
    expect(temps(root).length).toBe(FILES.length);
    const other = await storeAs(url, schema, root, 'host-x');
    expect(other.recovery.rolledBack).toEqual([]);
    expect((await other.status()).openTransactions.length).toBe(FILES.length);
    expect((await other.status()).locks.map((l) => [l.path, l.stale])).toEqual(FILES.map((f) => [f, false]));
    const restarted = await storeAs(url, schema, root, 'host-d');
    expect(restarted.recovery.rolledBack.length).toBe(FILES.length);
    expect(temps(root)).toEqual([]);
    expect((await other.status()).openTransactions).toEqual([]);
    expect((await other.status()).locks).toEqual([]);
  });

  it.skipIf(skip)("finishes each dead host's transaction exactly once when two hosts recover at once, and never touches a live host's", async () => {
    const { url } = await sharedPostgres();
    const schema = freshSchema('twice');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-pgrec-'));
    roots.push(root);
    const dead = await stuckHost(url, schema, root, 'host-d', 1000, FILES);
    const live = await stuckHost(url, schema, root, 'host-l', 1000, ['live.txt']);
    await dead.kill();
    await waitUntilExpired(url, schema, 'host-d');
    const [r1, r2] = await Promise.all(['host-r1', 'host-r2'].map((h) => storeAs(url, schema, root, h, { recover: false })));
    // Both passes at the same moment, each on its own connections.
    const [ra, rb] = await Promise.all([recover(r1 as Store), recover(r2 as Store)]);
    const a = ra?.rolledBack ?? [];
    const b = rb?.rolledBack ?? [];
    console.log(`two recoveries at once: ${a.length} and ${b.length} of ${FILES.length} dead transactions, ${a.filter((id) => b.includes(id)).length} by both`);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect([...(ra?.problems ?? []), ...(rb?.problems ?? [])]).toEqual([]);
    expect(a.length + b.length).toBe(FILES.length);
    const status = await (r1 as Store).status();
    // The live host's transaction: still open, its lock its own and live, its temp still there.
    expect(status.openTransactions.length).toBe(1);
    expect(status.locks.map((l) => [l.path, l.stale, l.holder.includes('on host host-l')])).toEqual([['live.txt', false, true]]);
    expect(temps(root).map((n) => n.startsWith('.live.txt.'))).toEqual([true]);
    // Once that host is gone too, its transaction goes the same way.
    await live.kill();
    await waitUntilExpired(url, schema, 'host-l');
    const report = await recover(r2 as Store);
    expect(report.rolledBack.length).toBe(1);
    expect(temps(root)).toEqual([]);
    expect((await (r1 as Store).status()).locks).toEqual([]);
  });
});
