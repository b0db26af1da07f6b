/**
 * The crash suite's verdicts rest on the simulator behaving like the real disk for everything the store does.
 * Here the same generated workloads run crash-free on a real temp directory with the LMDB journal, and must end
 * where the model says — and where the simulator ends.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import { arbitraries, createCrashWorld, describeWorkload, modelStates, runWorkload, type ModelState } from '../../src/testing/index.js';
import { DIR_PATHS, FILE_PATHS } from '../../src/testing/arbitraries.js';
import { openOn } from './harness.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const onDisk = (root: string, p: string): string => {
  const abs = join(root, p);
  if (!existsSync(abs)) return 'absent';
  return statSync(abs).isDirectory() ? 'dir' : readFileSync(abs).toString('base64');
};
const inModel = (s: ModelState, p: string): string => (s.dirs.has(p) ? 'dir' : s.files.has(p) ? Buffer.from(s.files.get(p) ?? []).toString('base64') : 'absent');

describe('the simulator and the real disk agree', () => {
  it('generated workloads end where the model says, on node:fs with LMDB and in the crash world', async () => {
    const seed = Number(process.env.FC_SEED ?? 3);
    for (const w of fc.sample(arbitraries.workload({ maxSize: 20_000 }), { numRuns: 12, seed })) {
      const root = mkdtempSync(join(tmpdir(), 'txfs-'));
      dirs.push(root);
      for (const [p, content] of Object.entries(w.files)) {
        const abs = join(root, p);
        if (p.includes('/')) mkdirSync(join(abs, '..'), { recursive: true });
        writeFileSync(abs, content);
      }
      const store = await openStore({ root });
      const acked = await runWorkload(store, w);
      await store.close();
      const world = createCrashWorld({ files: w.files });
      const simAcked = await runWorkload(await openOn(world, 0), w, { world });
      expect(simAcked.outcomes.map((o) => o.status), describeWorkload(w)).toEqual(acked.outcomes.map((o) => o.status));
      const final = modelStates(w, acked).states.at(-1) as ModelState;
      const paths = [...new Set([...FILE_PATHS, ...DIR_PATHS, ...final.files.keys()])];
      expect(paths.map((p) => `${p}: ${onDisk(root, p)}`), describeWorkload(w)).toEqual(paths.map((p) => `${p}: ${inModel(final, p)}`));
      const sim = (p: string): string => (world.kindOf(`/${p}`) === 'directory' ? 'dir' : world.peek(`/${p}`) === undefined ? 'absent' : Buffer.from(world.peek(`/${p}`) ?? []).toString('base64'));
      expect(paths.map((p) => `${p}: ${sim(p)}`), describeWorkload(w)).toEqual(paths.map((p) => `${p}: ${onDisk(root, p)}`));
    }
  }, 120_000);
});
