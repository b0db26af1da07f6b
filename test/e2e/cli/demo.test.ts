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
    // Step 7 repairs the damaged file from its kept copy: the very version export 2 wrote, not an older one.
    const step4 = r.stdout.slice(r.stdout.indexOf('4. Export 2 again'), r.stdout.indexOf('5. An overwrite conflict'));
    const wrote = /orders\.json\s+\S+ B\s+sha256 ([0-9a-f]{12})/.exec(step4)?.[1];
    const export2 = /committed transaction (\S+);/.exec(step4)?.[1];
    expect(wrote).toMatch(/^[0-9a-f]{12}$/);
    expect(r.stdout).toMatch(new RegExp(`repair transaction \\S+: export/orders\\.json holds again the version export 2 \\(transaction ${export2 ?? '?'}\\) wrote`));
    expect(r.stdout).toContain(`sha256 ${wrote ?? '?'}, byte for byte`);
    expect(r.stdout).not.toContain('intact again');
    expect(fs.readFileSync(path.join(dir, 'export/orders.json'), 'utf8')).toContain('"version": 2');
    expect(fs.readdirSync(path.join(dir, 'export')).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
  });

  it('refuses a directory that is not empty (exit 2)', async () => {
    const r = await runTxfs(['demo', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not empty');
  });
});
