/**
 * Child of the many-hosts tests: one "host" (its own host id and its own connections) with a store on a shared root
 * and the PostgreSQL journal. `pgHost <url> <schema> <root> <hostId> <leaseMs> <mode> [args…]`; prints "ready" once
 * the store is open (its recovery done). Modes:
 * - `rmw`: forever, a read-modify-write transaction on one pair of files, k/a + k/b or k/c + k/d (expects both
 *   unchanged by their SHA-256, appends the tag `<hostId>.<pid>.<i>` to both); prints "ack <pair> <tag>" (pair `ab` or
 *   `cd`), or "fail <code> <message>"; "lapse <n>" when its lease lapsed. The two files of a pair must always be equal.
 * - `counter <count> <goFile>`: waits for <goFile>, then <count> times: reads counter.txt, commits counter+1 and
 *   s0…s2 tagged `<hostId>:<i>` expecting the counter unchanged; prints "ok <hostId> <i>" or "fail <code>"; exits.
 * - `hold <file> <content> <goFile>`: one transaction writing <file> whose content streams in two halves: prints
 *   "staging" after the first, waits for <goFile>, then sends the second; prints "committed" or "fail <code> <message>",
 *   then the journal's lease lapses seen ("lapses <n>") and exits.
 * - `stuck <file>…`: one transaction per file, each stuck after its first chunk (prints "staging <file>" for each);
 *   lives until killed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TxfsError } from '../../../src/errors.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { postgresJournal } from '../../../src/postgres/index.js';
import { openStore } from '../../../src/store/openStore.js';

const [url, schema, root, hostId, leaseText, mode, ...args] = process.argv.slice(2);
if (url === undefined || schema === undefined || root === undefined || hostId === undefined || leaseText === undefined || mode === undefined) {
  throw new Error('usage: pgHost <url> <schema> <root> <hostId> <leaseMs> <mode> [args…]');
}
process.stdout.on('error', () => process.exit(0));
/** With TXFS_HOST_LOG=<dir>, every line (and what the store logs) also goes to <dir>/<hostId>.log, timed: to look into a run. */
const logDir = process.env.TXFS_HOST_LOG;
const say = (line: string): void => {
  if (logDir !== undefined) fs.appendFileSync(path.join(logDir, `${hostId}.log`), `${new Date().toISOString().slice(11, 23)} ${process.pid} ${line}\n`);
  process.stdout.write(`${line}\n`);
};
const failure = (e: unknown): string => {
  if (!(e instanceof TxfsError)) throw e;
  return `fail ${e.code} ${e.message.replace(/\n/g, ' ')}`;
};
const waitFor = async (file: string): Promise<void> => {
  while (!fs.existsSync(file)) await sleep(10);
};

// Its connections carry its host id, so that a test can find and drop them.
const named = `${url}${url.includes('?') ? '&' : '?'}application_name=${encodeURIComponent(hostId)}`;
const journal = await postgresJournal({ connectionString: named, schema, hostId, leaseMs: Number(leaseText), retryMs: 2000, poolSize: 3 });
const logged = (level: string) => (o: unknown, m: string): void => say(`log ${level} ${m}: ${String((o as { err?: unknown }).err)}`);
const logger = { debug: () => undefined, info: () => undefined, warn: logged('warn'), error: logged('error') };
const store = await openStore({ root, journal, lockTimeoutMs: 8000, ...(logDir === undefined ? {} : { logger }) });
say('ready');

async function* halves(content: string, between: () => Promise<void>): AsyncGenerator<Uint8Array> {
  const cut = Math.floor(content.length / 2);
  yield Buffer.from(content.slice(0, cut));
  await between();
  yield Buffer.from(content.slice(cut));
}

if (mode === 'rmw') {
  let lapsesSeen = 0;
  for (let i = 0; ; i++) {
    const pair = i % 2 === 0 ? 'ab' : 'cd';
    const files = [...pair].map((c) => `k/${c}`);
    // The pid tells the generations of a host apart (a restarted host counts from 0 again).
    const tag = `${hostId}.${process.pid}.${i}`;
    if (journal.stats.lapses > lapsesSeen) {
      lapsesSeen = journal.stats.lapses;
      say(`lapse ${lapsesSeen}`);
    }
    try {
      const current = await Promise.all(files.map((f) => store.readFile(f)));
      await store.transaction((tx) => {
        files.forEach((f, n) => {
          const was = current[n] ?? Buffer.alloc(0);
          tx.expect(f, { sha256: sha256Of(was) }).writeFile(f, `${was.toString('utf8')}${tag}\n`);
        });
      });
      say(`ack ${pair} ${tag}`);
    } catch (e) {
      say(failure(e));
      // A journal that cannot be reached is tried again a little later, as a service would.
      if (e instanceof TxfsError && e.code === 'EJOURNAL') await sleep(50);
    }
  }
} else if (mode === 'counter') {
  const [countText, goFile] = args;
  await waitFor(goFile ?? '');
  for (let i = 1; i <= Number(countText); i++) {
    const current = await store.readFile('counter.txt');
    try {
      await store.transaction((tx) => {
        tx.expect('counter.txt', { sha256: sha256Of(current) }).writeFile('counter.txt', String(Number(current.toString('utf8')) + 1));
        for (let s = 0; s < 3; s++) tx.writeFile(`s${s}.txt`, `${hostId}:${i}`);
      }, { label: `${hostId}:${i}` });
      say(`ok ${hostId} ${i}`);
    } catch (e) {
      say(failure(e).split(' ').slice(0, 2).join(' '));
    }
  }
  await store.close();
  await journal.close();
} else if (mode === 'hold') {
  const [file, content, goFile] = args;
  try {
    await store.transaction((tx) => {
      tx.writeFile(file ?? '', halves(content ?? '', async () => {
        say('staging');
        await waitFor(goFile ?? '');
      }));
    }, { label: `${hostId} hold` });
    say('committed');
  } catch (e) {
    say(failure(e));
  }
  say(`lapses ${journal.stats.lapses}`);
  await store.close();
  await journal.close();
} else if (mode === 'stuck') {
  for (const file of args) {
    void store.transaction((tx) => {
      tx.writeFile(file, halves(`${hostId} wrote ${file}`, async () => {
        say(`staging ${file}`);
        await new Promise(() => undefined);
      }));
    }, { label: `${hostId} stuck` });
  }
  setInterval(() => undefined, 60_000);
} else {
  throw new Error(`unknown mode ${mode}`);
}
