/**
 * CommonJS users: a `.cjs` file in a project of its own, with `node_modules/txfs` linking to this package, run by a
 * plain `node` (no loader), require()s `txfs`, `txfs/fp` and both compat entries through the package's "exports" from
 * the built `dist/` — Node 20.19 and later load an ES module graph through require() when nothing in it has a
 * top-level await — and writes with each. `npm test` builds before it runs the suite; alone, run `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { caseDirs } from '../unit/ops/caseDirs.js';
import { requireAllCjs } from './fixtures/requireAll.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const built = fs.existsSync(path.join(repo, 'dist', 'compat', 'writeFileAtomic.js')) && fs.existsSync(path.join(repo, 'dist', 'compat', 'atomically.js'));
const cases = caseDirs();

describe('require() from CommonJS', () => {
  it('package.json exports both compat entries with types, import and require conditions, and require for txfs and txfs/fp', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(pkg.exports['./compat/write-file-atomic']).toEqual({
      types: './dist/compat/writeFileAtomic.d.ts',
      import: './dist/compat/writeFileAtomic.js',
      require: './dist/compat/writeFileAtomic.js',
    });
    expect(pkg.exports['./compat/atomically']).toEqual({ types: './dist/compat/atomically.d.ts', import: './dist/compat/atomically.js', require: './dist/compat/atomically.js' });
    expect(pkg.exports['.']?.require).toBe('./dist/index.js');
    expect(pkg.exports['./fp']?.require).toBe('./dist/fp.js');
  });

  it.skipIf(!built)('a .cjs file loads txfs, txfs/fp and both compat entries with require() and writes through each (needs dist/: npm run build)', () => {
    const project = cases.at('consumer');
    const out = cases.at('out');
    fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    fs.mkdirSync(out);
    fs.symlinkSync(repo, path.join(project, 'node_modules', 'txfs'));
    fs.writeFileSync(path.join(project, 'index.cjs'), requireAllCjs);
    const r = spawnSync(process.execPath, [path.join(project, 'index.cjs'), out], { encoding: 'utf8', cwd: project });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const printed = JSON.parse(r.stdout.trim()) as { shapes: unknown; read: string; files: Record<string, string> };
    // require('txfs/compat/write-file-atomic') is the function itself (with .sync), as require('write-file-atomic') is.
    expect(printed.shapes).toEqual({ writeFileAtomic: 'function', sync: 'function', atomically: ['readFile', 'readFileSync', 'writeFile', 'writeFileSync'], txfs: 'function', fp: 'function' });
    expect(printed.read).toBe('wfa');
    expect(printed.files).toEqual({
      'atomically-sync.txt': 'atomically sync',
      'atomically.txt': 'atomically',
      'txfs.txt': 'txfs',
      'wfa-sync.txt': 'wfa sync',
      'wfa.txt': 'wfa',
    });
  });
});
