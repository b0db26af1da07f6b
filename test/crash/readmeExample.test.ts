import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const heading = '## Crash-test your own code with txfs/testing';
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The first ```ts block of the README section on txfs/testing. */
const exampleBlock = (): string => {
  const section = readme.slice(readme.indexOf(heading));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (readme.indexOf(heading) < 0 || m === null) throw new Error(`README.md has no ts block under "${heading}"`);
  return m[1] as string;
};

const dir = mkdtempSync(join(tmpdir(), 'txfs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README: crash-test your own code with txfs/testing', () => {
  it('runs the example as written, against the package sources', async () => {
    const src = (p: string): string => pathToFileURL(new URL(`../../src/${p}`, import.meta.url).pathname).href;
    const code = exampleBlock()
      .replace(`from 'txfs/testing'`, `from '${src('testing/index.ts')}'`)
      .replace(`from 'txfs'`, `from '${src('index.ts')}'`);
    expect(code).not.toMatch(/from 'txfs/);
    const file = join(dir, 'example.ts');
    writeFileSync(file, code);
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  });
});
