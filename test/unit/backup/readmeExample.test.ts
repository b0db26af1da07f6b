import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const heading = '## Backups, restore and undo';
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'txfs-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('README: backups, restore and undo', () => {
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
      const last = log.mock.calls[log.mock.calls.length - 1];
      expect(last?.[0]).toEqual([]);
      expect(last?.[1]).toMatchObject({ files: 1, backups: 3 });
    } finally {
      log.mockRestore();
    }
    expect(readFileSync(join(dir, 'report.xml'), 'utf8')).toBe('<report v="1"/>');
  });
});
