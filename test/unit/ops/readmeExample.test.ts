import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const heading = '## Atomic single-file writes';
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'txfs-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('README: atomic single-file writes', () => {
  it('runs the example as written, twice (the second run replaces the file and keeps a backup)', async () => {
    const at = readme.indexOf(heading);
    expect(at).toBeGreaterThanOrEqual(0);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
    const src = pathToFileURL(new URL('../../../src/index.ts', import.meta.url).pathname).href;
    const code = block.replace(`from 'txfs'`, `from '${src}'`);
    expect(code).not.toMatch(/from 'txfs/);
    process.chdir(dir);
    for (const run of [1, 2]) {
      const file = join(dir, `example${run}.ts`);
      writeFileSync(file, code);
      await import(/* @vite-ignore */ pathToFileURL(file).href);
    }
    expect(JSON.parse(readFileSync(join(dir, 'config/settings.json'), 'utf8'))).toEqual({ theme: 'dark', fontSize: 14 });
    expect(readFileSync(join(dir, 'config/settings.json.sha256'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}settings\.json\n$/);
  });
});
