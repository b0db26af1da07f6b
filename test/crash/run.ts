/**
 * `npm run test:crash [-- --states N] [-- --seed S]`: the crash suites with coverage of the transaction, journal and
 * recovery code. The coverage run also takes in the unit tests of those three folders (`test/unit/transaction`,
 * `test/unit/journal`, `test/unit/recovery`): the figure it prints is the coverage of those folders by their own tests
 * plus the crash suite, not by the crash suite alone. vitest rejects options it does not know, so this passes them on
 * as TXFS_CRASH_STATES / FC_SEED.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const env = { ...process.env };
const rest: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  const [flag, inline] = a.split('=', 2) as [string, string | undefined];
  if (flag === '--states' || flag === '--seed') {
    const value = inline ?? args[++i];
    if (value === undefined || !/^\d+$/.test(value)) {
      console.error(`${flag} needs a number`);
      process.exit(2);
    }
    env[flag === '--states' ? 'TXFS_CRASH_STATES' : 'FC_SEED'] = value;
  } else {
    rest.push(a);
  }
}
const suites = ['test/crash', 'test/unit/transaction', 'test/unit/journal', 'test/unit/recovery'];
console.log(`crash suite + unit tests of the covered folders: ${suites.join(', ')}`);
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const run = spawnSync(process.execPath, [vitest, 'run', ...suites, '--coverage', '--coverage.reportOnFailure', ...rest], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
