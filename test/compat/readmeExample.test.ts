import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleDir } from '../readmeExample.js';

const example = exampleDir('## Migrating from write-file-atomic / atomically');
afterAll(() => example.cleanup());

describe('README: migrating from write-file-atomic / atomically', () => {
  it('runs the example as written: both entries, their sync forms and readFileSync', async () => {
    const printed = await example.run();
    expect(printed).toEqual([['{"open":[]}']]);
    expect(JSON.parse(readFileSync(join(example.dir, 'settings.json'), 'utf8'))).toEqual({ theme: 'light' });
    expect(statSync(join(example.dir, 'settings.json')).mode & 0o777).toBe(0o600);
  });
});
