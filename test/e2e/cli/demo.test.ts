import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runTxfs, tempDir } from './harness.js';

describe('txfs demo', () => {
  let dir: string;
  beforeAll(() => {
    dir = path.join(tempDir('txfs-demo-test-'), 'demo');
  });
  afterAll(() => removeDir(path.dirname(dir)));

  it('narrates a crash in the middle of an export and says it was recovered', async () => {
    const r = await runTxfs(['demo', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/killed with SIGKILL during transaction \S+/);
    expect(r.stdout).toContain('The crash was recovered');
    expect(r.stdout).toMatch(/with --on-exists fail the write is refused/);
    expect(r.stdout).toMatch(/corrupted|changed/);
    expect(r.stdout).toMatch(/restore transaction \S+: export\/orders\.json is intact again/);
    expect(fs.readdirSync(path.join(dir, 'export')).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
  });

  it('refuses a directory that is not empty (exit 2)', async () => {
    const r = await runTxfs(['demo', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not empty');
  });
});
