/**
 * What the many-hosts e2e tests check after a run of `pgHost rmw` children on one root: every acknowledged
 * transaction in both files of its pair, none twice, the two files of a pair equal (no torn transaction), and — once
 * every host's lease has expired and a fresh host has recovered — no open transaction, no lock, no temp file, every
 * backup verified.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { postgresJournal } from '../../src/postgres/index.js';
import { openStore } from '../../src/store/openStore.js';

/** The acknowledgements in a child's lines (`ack <pair> <tag>`). */
export const acksIn = (lines: readonly string[]): Array<{ pair: string; tag: string }> =>
  lines.flatMap((l) => {
    const m = /^ack (ab|cd) (\S+)$/.exec(l);
    return m?.[1] === undefined || m[2] === undefined ? [] : [{ pair: m[1], tag: m[2] }];
  });

/** Creates the four files of the pairs, empty. */
export const preparePairs = (root: string): void => {
  fs.mkdirSync(path.join(root, 'k'));
  for (const f of 'abcd') fs.writeFileSync(path.join(root, 'k', f), '');
};

/** The violations of the pairs' histories (empty: none), and how many transactions the files hold. */
export const checkPairs = (root: string, acked: ReadonlyArray<{ pair: string; tag: string }>): { violations: string[]; inFiles: number } => {
  const lines = (f: string): string[] => fs.readFileSync(path.join(root, 'k', f), 'utf8').split('\n').filter((l) => l !== '');
  const violations: string[] = [];
  let inFiles = 0;
  for (const pair of ['ab', 'cd']) {
    const [x, y] = [...pair].map(lines) as [string[], string[]];
    inFiles += x.length;
    if (x.join('\n') !== y.join('\n')) violations.push(`torn: k/${pair[0] ?? ''} and k/${pair[1] ?? ''} differ`);
    const twice = x.filter((t, i) => x.indexOf(t) !== i);
    if (twice.length > 0) violations.push(`applied twice in ${pair}: ${twice.join(', ')}`);
    for (const { tag } of acked.filter((a) => a.pair === pair)) if (!x.includes(tag)) violations.push(`acknowledged ${tag} lost from ${pair}`);
  }
  const litter = fs.readdirSync(path.join(root, 'k')).filter((n) => n.endsWith('.txfs-tmp'));
  if (litter.length > 0) violations.push(`temp files left: ${litter.join(', ')}`);
  return { violations, inFiles };
};

/** Waits until the lease of every process of `hosts` has expired by the database's clock. */
export const waitForLeases = async (url: string, schema: string, hosts: readonly string[]): Promise<void> => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (;;) {
      const r = await admin.query<{ alive: string }>(`SELECT count(*) AS alive FROM "${schema}".leases WHERE host = ANY($1) AND expires_at >= now()`, [hosts]);
      if (Number(r.rows[0]?.alive) === 0) return;
      await sleep(50);
    }
  } finally {
    await admin.end();
  }
};

/** Recovers as a fresh host and returns what is wrong with the store (empty: nothing). */
export const checkRecovered = async (url: string, schema: string, root: string): Promise<string[]> => {
  const journal = await postgresJournal({ connectionString: url, schema, hostId: 'checker' });
  const store = await openStore({ root, journal });
  try {
    const status = await store.status();
    const verified = await store.backups.verify();
    return [
      ...store.recovery.problems.map((p) => `recovery: ${p.message}`),
      ...status.openTransactions.map((t) => `open after recovery: ${t.id}`),
      ...status.locks.map((l) => `lock left on ${l.path} by ${l.holder}`),
      ...verified.problems.map((p) => `backup: ${JSON.stringify(p)}`),
    ];
  } finally {
    await store.close();
    await journal.close();
  }
};
