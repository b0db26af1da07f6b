/**
 * write-file-atomic's test/concurrency.js and atomically's test/concurrency.cjs (the same suite), ported to both compat
 * entries: writes to one file are serial (each one's look
 * at the target comes after the previous one's rename onto it) and land in call order, while writes to different files
 * run in parallel. The original watches a mocked `fs.realpath` and `fs.rename`; here the fault injector, with no fault,
 * records the real calls.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { atomicallyOn } from '../../src/compat/atomicallyOn.js';
import { writeFileAtomicOn, type Doors } from '../../src/compat/writeFileAtomicOn.js';
import { nodeFileSystem, nodeSyncFileSystem } from '../../src/fs/node.js';
import { createFaultyFileSystem, type FsCallRecord } from '../../src/testing/faultyFileSystem.js';
import { caseDirs } from '../unit/ops/caseDirs.js';

const cases = caseDirs();
const { at } = cases;

type Write = (file: string, data: string) => Promise<void>;
const apis: ReadonlyArray<readonly [string, (doors: Doors) => Write]> = [
  ['write-file-atomic', (doors) => writeFileAtomicOn(doors)],
  ['atomically', (doors) => atomicallyOn(doors).writeFile],
];

/** The start (the lstat of the target) and the end (the rename onto it) of each write of `file`, in trace order. */
const turns = (trace: readonly FsCallRecord[], file: string): string[] =>
  trace.flatMap((c) => (c.kind === 'lstat' && c.path === file ? ['start'] : c.kind === 'rename' && c.to === file ? ['end'] : []));

describe.each(apis)('%s: concurrent writes', (_name, make) => {
  const recorded = (): { wfa: Write; trace: () => readonly FsCallRecord[] } => {
    const afs = createFaultyFileSystem(nodeFileSystem);
    return { wfa: make({ fs: afs, syncFs: nodeSyncFileSystem }), trace: () => afs.trace };
  };

  it('ensure writes to the same file are serial, in call order (the last call wins), and so is one made later', async () => {
    const { wfa, trace } = recorded();
    const file = at('test');
    await Promise.all([0, 1, 2, 3, 4].map((i) => wfa(file, `write ${i}`)));
    expect(fs.readFileSync(file, 'utf8')).toBe('write 4');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await wfa(file, 'successive write after a delay');
    expect(turns(trace(), file)).toEqual(Array.from({ length: 6 }, () => ['start', 'end']).flat());
    expect(fs.readFileSync(file, 'utf8')).toBe('successive write after a delay');
  });

  it('allow writes to multiple files in parallel, but same-file writes are serial', async () => {
    const { wfa, trace } = recorded();
    const [a, b] = [at('test'), at('test2')];
    const done: Array<Promise<void>> = [];
    for (let i = 0; i < 5; i++) done.push(wfa(a, `a ${i}`), wfa(b, `b ${i}`));
    await Promise.all(done);
    for (const f of [a, b]) expect(turns(trace(), f)).toEqual(Array.from({ length: 5 }, () => ['start', 'end']).flat());
    // Parallel: the second file's first write starts before the first file's first write has ended.
    const calls = trace();
    const firstEndA = calls.findIndex((c) => c.kind === 'rename' && c.to === a);
    const firstStartB = calls.findIndex((c) => c.kind === 'lstat' && c.path === b);
    expect(firstStartB).toBeGreaterThanOrEqual(0);
    expect(firstStartB).toBeLessThan(firstEndA);
    expect([fs.readFileSync(a, 'utf8'), fs.readFileSync(b, 'utf8')]).toEqual(['a 4', 'b 4']);
  });
});
