/**
 * The PostgreSQL journal beyond the Journal contract: its schema and its version, its options, atomicity across
 * hosts (several journals, one schema), group commit, and a connection cut while a commit is on its way (found to
 * have landed, or run again — never twice). Against the run's throwaway server; skipped, with the reason, without it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { postgresJournal, type PostgresJournal } from '../../../src/postgres/index.js';
import { beginSql } from '../../../src/postgres/sql.js';
import { startCuttingProxy, type CuttingProxy } from '../../support/cuttingProxy.js';
import { freshSchema, postgresSkip, sharedPostgres, skipNote } from '../../support/sharedPostgres.js';

const skip = postgresSkip !== undefined;
let url = '';
let admin: pg.Client | undefined;
const opened: PostgresJournal[] = [];

beforeAll(async () => {
  if (skip) return;
  url = (await sharedPostgres()).url;
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
});
afterAll(async () => {
  for (const j of opened) await j.close();
  await admin?.end();
});

const open = async (o: Parameters<typeof postgresJournal>[0] & { schema: string }): Promise<PostgresJournal> => {
  const j = await postgresJournal({ connectionString: url, poolSize: 4, ...o });
  opened.push(j);
  return j;
};

const rejection = async (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.unreachable('resolved'), (e: unknown) => e);

/** Expects `p` to reject with a TxfsError of `code` whose message matches `message`. */
const refusedWith = async (p: Promise<unknown>, code: string, message: RegExp): Promise<void> => {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(TxfsError);
  expect((e as TxfsError).code).toBe(code);
  expect((e as TxfsError).message).toMatch(message);
};

describe(`the PostgreSQL journal${skipNote}`, () => {
  it.skipIf(skip)('creates its tables in a new schema, keeps what was written across a reopen, and refuses a schema a newer txfs wrote', async () => {
    const schema = freshSchema('version');
    const j = await open({ schema });
    await j.put('k', { v: 1 });
    await j.close();
    const again = await open({ schema });
    expect(await again.get('k')).toEqual({ v: 1 });
    await again.close();
    await admin?.query(`UPDATE "${schema}".meta SET value = '2' WHERE name = 'schema_version'`);
    const e = await rejection(postgresJournal({ connectionString: url, schema }));
    expect(e).toBeInstanceOf(TxfsError);
    expect(e).toMatchObject({ code: 'EJOURNAL' });
    expect((e as Error).message).toMatch(new RegExp(`schema "${schema}" .*schema version 2, newer than this txfs knows \\(1\\)`));
    await admin?.query(`UPDATE "${schema}".meta SET value = 'two' WHERE name = 'schema_version'`);
    await refusedWith(postgresJournal({ connectionString: url, schema }), 'EJOURNAL', /unreadable schema version/);
  });

  it.skipIf(skip)('keeps the values it stores byte for byte as the envelopes LMDB stores (UTF-8 JSON in bytea)', async () => {
    const schema = freshSchema('bytes');
    const j = await open({ schema });
    await j.put('a/é', { body: '😀', n: 1 });
    const r = await admin?.query<{ key: Buffer; value: Buffer }>(`SELECT key, value FROM "${schema}".entries`);
    expect(r?.rows.map((row) => [row.key.toString('utf8'), row.value.toString('utf8')])).toEqual([['a/é', '{"body":"😀","n":1}']]);
  });

  it.skipIf(skip)('checks its options before touching anything: TypeError for a wrong type, EINVAL for a value out of range', async () => {
    await expect(postgresJournal({ connectionString: 5 as unknown as string })).rejects.toBeInstanceOf(TypeError);
    await expect(postgresJournal({ connectionString: url, pool: new pg.Pool() })).rejects.toBeInstanceOf(TypeError);
    await expect(postgresJournal({ connectionString: url, leaseMs: '1' as unknown as number })).rejects.toBeInstanceOf(TypeError);
    await refusedWith(postgresJournal({ connectionString: url, schema: 'Bad-Name' }), 'EINVAL', /options\.schema/);
    await refusedWith(postgresJournal({ connectionString: url, leaseMs: 10 }), 'EINVAL', /options\.leaseMs must be from 200/);
    await expect(postgresJournal({ connectionString: url, hostId: '' })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(postgresJournal({ connectionString: url, poolSize: 1.5 })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it.skipIf(skip)('keeps read-modify-write transactions of three hosts atomic: 3 × 40 concurrent increments make 120', async () => {
    const schema = freshSchema('hosts');
    const hosts = await Promise.all(['h1', 'h2', 'h3'].map((hostId) => open({ schema, hostId })));
    await hosts[0]?.put('counter', 0);
    const seen = await Promise.all(
      hosts.flatMap((j) =>
        Array.from({ length: 40 }, () =>
          j.transact((txn) => {
            const n = txn.get('counter') as number;
            txn.put('counter', n + 1);
            txn.put(`seen/${String(n).padStart(3, '0')}`, j.hostId);
            return n;
          }),
        ),
      ),
    );
    expect(await hosts[1]?.get('counter')).toBe(120);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect((await hosts[2]?.range('seen/'))?.length).toBe(120);
  });

  it.skipIf(skip)('shares one commit among the transactions that wait for it (group commit): 64 concurrent puts, a few commits', async () => {
    const j = await open({ schema: freshSchema('group') });
    const before = j.stats.commits;
    await Promise.all(Array.from({ length: 64 }, (_, i) => j.put(`g/${i}`, i)));
    const commits = j.stats.commits - before;
    console.log(`group commit: 64 concurrent puts in ${commits} PostgreSQL commits`);
    expect(commits).toBeLessThanOrEqual(8);
    expect((await j.range('g/')).length).toBe(64);
  });

  it.skipIf(skip)('fails a transaction alone when its callback throws, inside a batch of others that commit', async () => {
    const j = await open({ schema: freshSchema('alone') });
    const results = await Promise.allSettled([
      j.put('b/1', 1),
      j.transact((txn) => {
        txn.put('b/bad', txn.get('b/1'));
        throw new Error('no');
      }),
      j.transact((txn) => txn.put('b/2', ((txn.get('b/1') as number | undefined) ?? 0) + 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await j.range('b/')).toEqual([
      { key: 'b/1', value: 1 },
      { key: 'b/2', value: 2 },
    ]);
  });

  it.skipIf(skip)('is held up by a writer paused inside its transaction only until the server ends that transaction', async () => {
    const schema = freshSchema('paused');
    const j = await open({ schema, leaseMs: 2000 });
    await j.put('k', 1);
    // A writer that stopped (SIGSTOP, a stalled host) right after taking the writer lock, as the journal takes it.
    const paused = new pg.Client({ connectionString: url });
    paused.on('error', () => undefined);
    await paused.connect();
    await paused.query(beginSql(schema, 1000).join(';\n'));
    await j.put('k', 2);
    expect(await j.get('k')).toBe(2);
    await expect(paused.query('SELECT 1')).rejects.toThrow(/idle-in-transaction|terminat|Connection/i);
    await paused.end().catch(() => undefined);
  });

  describe('a connection cut while a write is on its way', () => {
    let proxy: CuttingProxy | undefined;
    beforeAll(async () => {
      if (skip) return;
      proxy = await startCuttingProxy(decodeURIComponent(/host=([^&]+)/.exec(url)?.[1] ?? ''));
    });
    afterAll(async () => proxy?.close());

    const increment = (j: PostgresJournal): Promise<number> =>
      j.transact((txn) => {
        const n = (txn.get('n') as number | undefined) ?? 0;
        txn.put('n', n + 1);
        return n + 1;
      });

    it.skipIf(skip)('finds that a COMMIT whose answer was lost landed, and resolves without committing it twice', async () => {
      const j = await postgresJournal({ connectionString: proxy?.url ?? '', schema: freshSchema('landed'), poolSize: 2 });
      opened.push(j);
      expect(await increment(j)).toBe(1);
      proxy?.arm('COMMIT', 'after-forwarding');
      expect(await increment(j)).toBe(2);
      expect(proxy?.cuts).toBe(1);
      expect(j.stats.foundLanded).toBe(1);
      expect(await j.get('n')).toBe(2);
    });

    it.skipIf(skip)('finds that a COMMIT lost on its way did not land, and runs the transaction again, once', async () => {
      const j = await postgresJournal({ connectionString: proxy?.url ?? '', schema: freshSchema('lost'), poolSize: 2 });
      opened.push(j);
      expect(await increment(j)).toBe(1);
      const retries = j.stats.retries;
      proxy?.arm('COMMIT', 'before-forwarding');
      expect(await increment(j)).toBe(2);
      expect(j.stats.foundLanded).toBe(0);
      expect(j.stats.retries).toBeGreaterThan(retries);
      expect(await j.get('n')).toBe(2);
    });

    it.skipIf(skip)('says the outcome is unknown (EJOURNAL) when it cannot reconnect in time to find out', async () => {
      const j = await postgresJournal({ connectionString: proxy?.url ?? '', schema: freshSchema('unknown'), poolSize: 2, retryMs: 0 });
      opened.push(j);
      await j.put('n', 0);
      proxy?.arm('COMMIT', 'after-forwarding');
      await refusedWith(increment(j), 'EJOURNAL', /may or may not have been committed/);
      expect(await j.get('n')).toBe(1);
    });
  });
});
