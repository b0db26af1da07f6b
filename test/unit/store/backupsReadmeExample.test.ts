import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleDir } from '../../readmeExample.js';

const example = exampleDir('## Backups, restore and undo');
afterAll(() => example.cleanup());

describe('README: backups, restore and undo', () => {
  it('runs the example as written', async () => {
    const printed = await example.run();
    const last = printed[printed.length - 1];
    expect(last?.[0]).toEqual([]);
    expect(last?.[1]).toMatchObject({ files: 1, backups: 3 });
    expect(readFileSync(join(example.dir, 'report.xml'), 'utf8')).toBe('<report v="1"/>');
  });
});
