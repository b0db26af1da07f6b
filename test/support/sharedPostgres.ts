/**
 * The PostgreSQL server of a test run, for the test files: started by the first test that asks for it (one worker
 * wins a directory lock and starts it, the others wait for its description), stopped by `test/postgresSetup.ts` at
 * the end of the run. `postgresSkip` is the reason the PostgreSQL tests skip (undefined: they run), for `it.skipIf`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { SERVER_FILE, startPostgres, type PostgresServer } from './postgresServer.js';

/** What test/postgresSetup.ts hands the workers: the run's directory, or why the PostgreSQL tests skip. */
export type PostgresRun = { readonly runDir: string; readonly ownerPid: number } | { readonly skipped: string };

declare module 'vitest' {
  export interface ProvidedContext {
    txfsPostgres: PostgresRun;
  }
}

const FAILED_FILE = 'failed.txt';
const LOCK_DIR = 'starting';

const provided = (): PostgresRun => {
  try {
    return inject('txfsPostgres');
  } catch {
    return { skipped: 'not run under vitest with test/postgresSetup.ts' };
  }
};

const given = provided();

/** Why the PostgreSQL tests are skipped in this run, or undefined when they run. */
export const postgresSkip: string | undefined = 'skipped' in given ? given.skipped : undefined;

/** A title suffix for `it.skipIf(postgresSkip !== undefined)(...)`: the reason, when skipped. */
export const skipNote = postgresSkip === undefined ? '' : ` (skipped: ${postgresSkip})`;

let mine: Promise<PostgresServer> | undefined;

const startOrWait = async (runDir: string, ownerPid: number): Promise<PostgresServer> => {
  const file = path.join(runDir, SERVER_FILE);
  try {
    fs.mkdirSync(path.join(runDir, LOCK_DIR));
  } catch {
    // Another worker is starting it: wait for its description (or its failure).
    for (let waited = 0; waited < 120_000; waited += 50) {
      if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as PostgresServer;
      const failed = path.join(runDir, FAILED_FILE);
      if (fs.existsSync(failed)) throw new Error(fs.readFileSync(failed, 'utf8'));
      await sleep(50);
    }
    throw new Error('the PostgreSQL server of this run did not start within 120 s');
  }
  try {
    // Owned by the run (the test files' processes come and go): swept only once the run itself is gone.
    const server = await startPostgres({ ownerPid });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(server));
    fs.renameSync(`${file}.tmp`, file);
    return server;
  } catch (e) {
    fs.writeFileSync(path.join(runDir, FAILED_FILE), e instanceof Error ? e.message : String(e));
    throw e;
  }
};

/** The run's server (started on first use). Throws when the PostgreSQL tests are skipped or the server cannot start. */
export const sharedPostgres = (): Promise<PostgresServer> => {
  if ('skipped' in given) return Promise.reject(new Error(`no PostgreSQL in this run: ${given.skipped}`));
  mine ??= startOrWait(given.runDir, given.ownerPid);
  return mine;
};

let schemas = 0;

/** A schema name no other test of the run uses (the tests share one database). */
export const freshSchema = (label: string): string =>
  `t_${label.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 20)}_${process.pid}_${schemas++}_${Math.floor(Math.random() * 1e6)}`;
