/**
 * Every TypeScript example of the README compiles under the project's strict tsconfig, against the package's own
 * types (`txfs`, `txfs/testing`, `txfs/fp`, `txfs/compat/*`, `txfs/postgres` mapped to the sources): a user copying one gets no type error.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('the README examples', () => {
  it('has TypeScript examples to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it('type-check under the strict tsconfig', () => {
    const base = path.join(repo, 'node_modules', '.cache');
    mkdirSync(base, { recursive: true });
    const dir = mkdtempSync(path.join(base, 'readme-'));
    try {
      blocks.forEach((code, i) => writeFileSync(path.join(dir, `example${i}.ts`), `${code}\nexport {};\n`));
      const src = path.relative(dir, path.join(repo, 'src')).split(path.sep).join('/');
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: path.relative(dir, path.join(repo, 'tsconfig.json')).split(path.sep).join('/'),
          compilerOptions: { noUnusedLocals: false, baseUrl: '.', paths: { txfs: [`${src}/index.ts`], 'txfs/testing': [`${src}/testing/index.ts`], 'txfs/fp': [`${src}/fp.ts`], 'txfs/compat/write-file-atomic': [`${src}/compat/writeFileAtomic.ts`], 'txfs/compat/atomically': [`${src}/compat/atomically.ts`], 'txfs/postgres': [`${src}/postgres/index.ts`] } },
          include: ['*.ts'],
        }),
      );
      const tsc = spawnSync(process.execPath, [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
