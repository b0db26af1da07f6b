import { afterAll, describe, expect, it } from 'vitest';
import { exampleDir, readmeBlock } from '../readmeExample.js';

const heading = '## Crash-test your own code with txfs/testing';
const example = exampleDir(heading);
afterAll(() => example.cleanup());

describe('README: crash-test your own code with txfs/testing', () => {
  it('runs the example as written: both files old or both new after a crash at every call', async () => {
    // The example asserts inside its loop; it throws on the first crash point that breaks atomicity.
    expect(readmeBlock(heading)).toMatch(/for \(let n = 0; n < probe\.calls; n\+\+\)/);
    await example.run();
  });
});
