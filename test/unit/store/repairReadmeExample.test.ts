import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleDir } from '../../readmeExample.js';

const example = exampleDir('### The current version too');
afterAll(() => example.cleanup());

describe('README: keepCurrent and repair', () => {
  it('runs the example as written: the damaged file gets the version the store wrote back', async () => {
    const printed = await example.run();
    expect(printed[0]).toEqual([['orders.json'], true, []]);
    expect(printed[1]?.[0]).toEqual(expect.any(String));
    const content = readFileSync(join(example.dir, 'orders.json'));
    expect(content.toString()).toBe(JSON.stringify({ orders: [1, 2, 3] }));
  });
});
