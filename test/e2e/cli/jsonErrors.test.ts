import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runJson, runTxfs, tempDir, type CliRun } from './harness.js';

interface ErrorDoc {
  readonly error: { readonly code: string; readonly message: string; readonly path?: string };
}

/** stdout of a --json run that failed: exactly one JSON document, holding only `error`. */
const errorOf = (r: CliRun): ErrorDoc['error'] => {
  expect(r.stdout.endsWith('\n'), `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(true);
  const doc = JSON.parse(r.stdout) as ErrorDoc;
  expect(Object.keys(doc)).toEqual(['error']);
  expect(typeof doc.error.message).toBe('string');
  expect(doc.error.message).not.toContain('\n');
  return doc.error;
};

/** With --json every error is a JSON document on stdout, with API.md's exit codes. */
describe('txfs --json errors', () => {
  let root: string;
  beforeAll(async () => {
    root = tempDir();
    await runJson(root, ['write', 'a.json'], 0, { input: '{"v":1}' });
  });
  afterAll(() => removeDir(root));

  it("prints commander's usage errors as EUSAGE with exit 2, wherever --json stands", async () => {
    const cases: ReadonlyArray<readonly [readonly string[], string]> = [
      [['--json', 'frobnicate'], "unknown command 'frobnicate'"],
      [['undo', '--json'], "missing required argument 'txid'"],
      [['--json', 'write', 'a.txt', '--on-exists', 'sometimes'], 'Allowed choices are ask, overwrite, skip, rename, keep-both, fail'],
      [['--json', 'status', '--bogus'], "unknown option '--bogus'"],
      [['--json', '--root'], "option '--root <dir>' argument missing"],
      [['--json'], 'no command given'],
    ];
    for (const [args, message] of cases) {
      const r = await runTxfs(args.includes('--root') ? args : ['--root', root, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      const error = errorOf(r);
      expect(error.code).toBe('EUSAGE');
      expect(error.message).toContain(message);
      expect(error.message).not.toMatch(/^error: /);
      expect(error).not.toHaveProperty('path');
      // The line for a person stays on stderr.
      expect(r.stderr).not.toBe('');
    }
  });

  it("prints the CLI's own usage errors as EUSAGE with exit 2", async () => {
    const ask = await runTxfs(['--root', root, '--json', 'write', 'b.txt', '--on-exists', 'ask'], { input: 'x' });
    expect(ask.code).toBe(2);
    expect(errorOf(ask)).toMatchObject({ code: 'EUSAGE', message: expect.stringContaining('--on-exists ask needs a terminal') as unknown });
    const limit = await runTxfs(['--root', root, '--json', 'log', '--limit', '0']);
    expect(limit.code).toBe(2);
    expect(errorOf(limit).code).toBe('EUSAGE');
    expect(fs.existsSync(path.join(root, 'b.txt'))).toBe(false);
  });

  it('prints a failed operation with its code and path, exit 1', async () => {
    const missing = await runTxfs(['--root', root, '--json', 'checksum', 'missing.txt']);
    expect(missing.code).toBe(1);
    expect(errorOf(missing)).toMatchObject({ code: 'ENOENT', path: path.join(root, 'missing.txt') });
    const invalid = await runTxfs(['--root', root, '--json', 'write', 'a.json', '--validate', 'json'], { input: '{"v":' });
    expect(invalid.code).toBe(1);
    expect(errorOf(invalid).code).toBe('EVALIDATION');
    const outside = await runTxfs(['--root', root, '--json', 'rm', '../elsewhere.txt']);
    expect(outside.code).toBe(1);
    expect(errorOf(outside)).toMatchObject({ code: 'EOUTSIDE', path: '../elsewhere.txt' });
    const noRoot = await runTxfs(['--root', path.join(root, 'absent'), '--json', 'status']);
    expect(noRoot.code).toBe(1);
    expect(errorOf(noRoot)).toMatchObject({ code: 'ENOENT', path: path.join(root, 'absent') });
    expect(fs.readFileSync(path.join(root, 'a.json'), 'utf8')).toBe('{"v":1}');
  });

  it('prints a declined conflict as ECONFLICT with exit 3', async () => {
    const r = await runTxfs(['--root', root, '--json', 'write', 'a.json', '--on-exists', 'fail'], { input: '{"v":2}' });
    expect(r.code).toBe(3);
    expect(errorOf(r)).toMatchObject({ code: 'ECONFLICT', path: 'a.json' });
    expect(fs.readFileSync(path.join(root, 'a.json'), 'utf8')).toBe('{"v":1}');
  });

  it('keeps stdout to the JSON document with TXFS_DEBUG=1: the stack goes to stderr only', async () => {
    const r = await runTxfs(['--root', root, '--json', 'checksum', 'missing.txt'], { env: { TXFS_DEBUG: '1' } });
    expect(r.code).toBe(1);
    expect(errorOf(r).code).toBe('ENOENT');
    expect(r.stdout).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('still prints help as text with exit 0: asking for help is not an error', async () => {
    const r = await runTxfs(['--json', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: txfs');
  });
});
