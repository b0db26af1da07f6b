import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleDir } from '../../readmeExample.js';

const example = exampleDir('## Atomic single-file writes');
afterAll(() => example.cleanup());

describe('README: atomic single-file writes', () => {
  it('runs the example as written, twice (the second run replaces the file and keeps a backup)', async () => {
    await example.run();
    await example.run();
    expect(JSON.parse(readFileSync(join(example.dir, 'config/settings.json'), 'utf8'))).toEqual({ theme: 'dark', fontSize: 14 });
    expect(readFileSync(join(example.dir, 'config/settings.json.sha256'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}settings\.json\n$/);
  });
});
