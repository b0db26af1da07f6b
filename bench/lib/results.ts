/** Where every bench puts its figures: bench/results/<bench>.json, with the machine they were measured on. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The results directory (bench/results), next to this folder. */
export const resultsDir = path.join(import.meta.dirname, '..', 'results');

/**
 * Writes `figures` as bench/results/`bench`.json, after the bench's name, the date, the node version, the platform and
 * the number of CPUs (what `bench/summary.ts` and a reader of the file need to know where they come from).
 */
export const writeResults = (bench: string, figures: Record<string, unknown>): void => {
  const out = { bench, date: new Date().toISOString(), node: process.version, platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length, ...figures };
  const file = path.join(resultsDir, `${bench}.json`);
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`written ${path.relative(process.cwd(), file)}`);
};
