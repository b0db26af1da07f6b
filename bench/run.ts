/**
 * Runs every bench in bench/*.ts (except this file), each in its own process, one after the other.
 * Run: npm run bench; or `npx tsx bench/run.ts atomic-write` for some of them.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsDir } from './lib/results.js';
import { printSummary } from './summary.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'summary.ts' && !f.endsWith('.d.ts'))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')))
  .sort();

const startedAt = Date.now();
let failed = 0;
for (const b of benches) {
  console.log(`\n=== bench/${b}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, b)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${b} failed (exit ${r.status ?? r.signal ?? 'unknown'})`);
  }
}
console.log(`\n${benches.length - failed}/${benches.length} benches ran`);
printSummary(resultsDir, startedAt);
process.exitCode = failed === 0 ? 0 : 1;
