import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, runJson, runTxfs, tempDir } from './harness.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Every file below `dir` (relative names, links included, not followed), sorted. */
const listing = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

/** `txfs checksum` resolves its files as the store does: inside `--root`, never through a link out, never into `.txfs`. */
describe('txfs checksum keeps to the root', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    base = tempDir();
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'victim.txt'), 'outside bytes');
    fs.writeFileSync(path.join(outside, 'victim.txt.sha256'), `${sha('outside bytes')}  victim.txt\n`);
    fs.writeFileSync(path.join(root, 'a.txt'), 'inside bytes');
    fs.symlinkSync(outside, path.join(root, 'linkdir'));
    fs.symlinkSync(path.join(outside, 'victim.txt'), path.join(root, 'linkfile.txt'));
    // A store with history, so that its state directory (and journal) exists.
    await runJson(root, ['write', 'b.txt'], 0, { input: 'b' });
  });
  afterEach(() => removeDir(base));

  const refusals: ReadonlyArray<readonly [string, () => string]> = [
    ['a path with ..', () => '../outside/victim.txt'],
    ['an absolute path outside the root', () => path.join(outside, 'victim.txt')],
    ['a directory link leading out', () => 'linkdir/victim.txt'],
    ['a file link leading out', () => 'linkfile.txt'],
    ['a path into the state directory', () => '.txfs/journal/data.mdb'],
    ['an absolute path into the state directory', () => path.join(root, '.txfs', 'journal', 'data.mdb')],
  ];

  for (const [what, file] of refusals) {
    it(`refuses ${what} with EOUTSIDE (exit 1) and writes nothing, with and without --check`, async () => {
      const before = { root: listing(root), outside: listing(outside) };
      const victim = fs.readFileSync(path.join(outside, 'victim.txt.sha256'), 'utf8');
      for (const flags of [[], ['--check']]) {
        // A good file first: nothing is written for it either, since every path is resolved before any sidecar is.
        const r = await runTxfs(['--root', root, 'checksum', ...flags, 'a.txt', file()]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^txfs: error: EOUTSIDE: /);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        const json = await runTxfs(['--root', root, '--json', 'checksum', ...flags, file()]);
        expect(json.code).toBe(1);
        expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'EOUTSIDE', path: file() } });
      }
      expect({ root: listing(root), outside: listing(outside) }).toEqual(before);
      expect(fs.readFileSync(path.join(outside, 'victim.txt.sha256'), 'utf8')).toBe(victim);
    });
  }

  it('refuses a sidecar that is a link leading out, writing and checking, and leaves the link and its target alone', async () => {
    fs.symlinkSync(path.join(outside, 'victim.txt.sha256'), path.join(root, 'a.txt.sha256'));
    for (const flags of [[], ['--check']]) {
      const r = await runTxfs(['--root', root, '--json', 'checksum', ...flags, 'a.txt']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'EOUTSIDE', path: 'a.txt.sha256' } });
    }
    expect(fs.readlinkSync(path.join(root, 'a.txt.sha256'))).toBe(path.join(outside, 'victim.txt.sha256'));
    expect(fs.readFileSync(path.join(outside, 'victim.txt.sha256'), 'utf8')).toBe(`${sha('outside bytes')}  victim.txt\n`);
  });

  it('still writes and checks files inside the root, through links that stay inside, relative to --root from any directory', async () => {
    fs.mkdirSync(path.join(root, 'sub'));
    fs.writeFileSync(path.join(root, 'sub', 'c.txt'), 'c');
    fs.symlinkSync('sub', path.join(root, 'inlink'));
    const written = await runJson(root, ['checksum', 'a.txt', 'inlink/c.txt'], 0, { cwd: outside });
    expect(written).toEqual([
      { path: 'a.txt', sha256: sha('inside bytes') },
      { path: 'inlink/c.txt', sha256: sha('c') },
    ]);
    expect(fs.readFileSync(path.join(root, 'sub', 'c.txt.sha256'), 'utf8')).toBe(`${sha('c')}  c.txt\n`);
    expect(await runJson(root, ['checksum', '--check', path.join(root, 'a.txt'), 'sub/c.txt'], 0, { cwd: outside })).toEqual([
      { path: path.join(root, 'a.txt'), ok: true },
      { path: 'sub/c.txt', ok: true },
    ]);
  });
});
