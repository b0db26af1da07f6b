import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const heading = '## Transactions and recovery';
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'txfs-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('README: transactions and recovery', () => {
  it('runs the example as written', async () => {
    const at = readme.indexOf(heading);
    expect(at).toBeGreaterThanOrEqual(0);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
    const src = pathToFileURL(new URL('../../../src/index.ts', import.meta.url).pathname).href;
    const code = block.replace(`from 'txfs'`, `from '${src}'`);
    expect(code).not.toMatch(/from 'txfs/);
    process.chdir(dir);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, code);
      await import(/* @vite-ignore */ pathToFileURL(file).href);
      expect(log.mock.calls[0]).toEqual(['committed', 'exported', ['created archive', 'copied archive/2026.csv', 'written orders/2027.csv', 'renamed archive/draft.csv', 'written summary.json']]);
      expect(log.mock.calls.slice(1).map((c): unknown => c[2])).toEqual([undefined, 'nightly export']);
    } finally {
      log.mockRestore();
    }
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toBe('{"orders":3}');
    expect(readFileSync(join(dir, 'archive/2026.csv'), 'utf8')).toBe('id,total\n1,10\n');
  });
});
