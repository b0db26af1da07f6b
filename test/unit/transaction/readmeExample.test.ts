import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleDir } from '../../readmeExample.js';

const example = exampleDir('## Transactions and recovery');
afterAll(() => example.cleanup());

describe('README: transactions and recovery', () => {
  it('runs the example as written', async () => {
    const printed = await example.run();
    expect(printed[0]).toEqual(['committed', 'exported', ['created archive', 'copied archive/2026.csv', 'written orders/2027.csv', 'renamed archive/draft.csv', 'written summary.json']]);
    expect(printed.slice(1).map((c): unknown => c[2])).toEqual([undefined, 'nightly export']);
    expect(readFileSync(join(example.dir, 'summary.json'), 'utf8')).toBe('{"orders":3}');
    expect(readFileSync(join(example.dir, 'archive/2026.csv'), 'utf8')).toBe('id,total\n1,10\n');
  });
});
