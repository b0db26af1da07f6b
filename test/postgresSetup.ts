/**
 * vitest globalSetup for the PostgreSQL suites: when the server binaries are found, it hands the workers a run
 * directory in which the first test that needs a server starts one (`test/support/sharedPostgres.ts`: a run of test
 * files that need none pays nothing), and stops and removes that server at the end. When they are not found, it
 * says so in one loud line, and every PostgreSQL test is skipped with that reason in its title.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { SERVER_FILE, findPostgres, removePostgres, sweepOrphans, type PostgresServer } from './support/postgresServer.js';
import type { PostgresRun } from './support/sharedPostgres.js';

/** Provides `txfsPostgres` to the workers; returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = findPostgres();
  if ('missing' in found) {
    console.log(`\n*** PostgreSQL tests SKIPPED: ${found.missing} ***\n`);
    const run: PostgresRun = { skipped: found.missing };
    project.provide('txfsPostgres', run);
    return async () => undefined;
  }
  // Servers of earlier runs that were killed before their teardown (their starter is gone).
  await sweepOrphans();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-pgrun-'));
  project.provide('txfsPostgres', { runDir, ownerPid: process.pid });
  return async () => {
    const file = path.join(runDir, SERVER_FILE);
    if (fs.existsSync(file)) await removePostgres(JSON.parse(fs.readFileSync(file, 'utf8')) as PostgresServer);
    fs.rmSync(runDir, { recursive: true, force: true });
  };
}
