/**
 * Runs the first ```ts block under a README heading as a user would, against the package sources:
 * the examples in the README are part of the test suite.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { vi } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const source = (p: string): string => pathToFileURL(new URL(`../src/${p}`, import.meta.url).pathname).href;

/** The first ts code block under `heading`, its `txfs` imports pointed at the sources. */
export const readmeBlock = (heading: string): string => {
  const at = readme.indexOf(heading);
  const block = at < 0 ? null : /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (block === null) throw new Error(`README.md has no ts block under "${heading}"`);
  const code = (block[1] as string)
    .replace(`from 'txfs/testing'`, `from '${source('testing/index.ts')}'`)
    .replace(`from 'txfs/compat/write-file-atomic'`, `from '${source('compat/writeFileAtomic.ts')}'`)
    .replace(`from 'txfs/compat/atomically'`, `from '${source('compat/atomically.ts')}'`)
    .replace(`from 'txfs/postgres'`, `from '${source('postgres/index.ts')}'`)
    .replace(`from 'txfs'`, `from '${source('index.ts')}'`);
  if (/from 'txfs/.test(code)) throw new Error(`the example under "${heading}" imports a txfs entry point the test does not know`);
  return code;
};

/** A scratch directory in which README examples run, with the process's working directory set to it while they do. */
export interface ExampleDir {
  readonly dir: string;
  /** Runs the example once more (as a fresh module) and returns what it printed with console.log. */
  run(): Promise<unknown[][]>;
  cleanup(): void;
}

/** Prepares a scratch directory for the example under `heading`. */
export const exampleDir = (heading: string): ExampleDir => {
  const code = readmeBlock(heading);
  const dir = mkdtempSync(join(tmpdir(), 'txfs-'));
  let runs = 0;
  return {
    dir,
    run: async () => {
      const cwd = process.cwd();
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        process.chdir(dir);
        runs += 1;
        const file = join(dir, `example${runs}.ts`);
        writeFileSync(file, code);
        await import(/* @vite-ignore */ pathToFileURL(file).href);
        return log.mock.calls;
      } finally {
        log.mockRestore();
        process.chdir(cwd);
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
};
