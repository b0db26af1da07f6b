/**
 * An fsync that fails with EIO loses the unsynced data for good (Linux marks the pages clean; a later fsync
 * "succeeds" without writing them). The crash world models exactly that, so a commit that resolved after such a
 * failure — by retrying the fsync, or ignoring it — would show up as lost data after a crash.
 */
import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../src/errors.js';
import { writeFileAtomicWith } from '../../src/ops/atomicWrite.js';
import { checkInvariants, createCrashWorld, describeBytes, runWorkload, type Acknowledged, type Workload } from '../../src/testing/index.js';
import { openOn } from './harness.js';

const w: Workload = {
  files: { 'sub/base.txt': 'base', 'a.txt': 'old a' },
  txs: [[{ op: 'write', path: 'a.txt', size: 3000 }, { op: 'write', path: 'sub/d.txt', size: 20 }, { op: 'copy', from: 'sub/base.txt', to: 'c.json' }]],
};

describe('fsync failure', () => {
  it('a transaction whose fsync failed never resolves, and what a crash then leaves is all old or all new', async () => {
    const probe = createCrashWorld({ files: w.files });
    await runWorkload(await openOn(probe, 0), w, { world: probe });
    const synced = probe.trace.filter((r) => r.kind === 'sync' || r.kind === 'datasync').map((r) => r.path);
    expect(synced.length).toBeGreaterThanOrEqual(2);
    const problems: string[] = [];
    for (const path of new Set(synced)) {
      const world = createCrashWorld({ files: w.files });
      world.failNextSync(path);
      const acked = await runWorkload(await openOn(world, 0), w, { world });
      const outcome = acked.outcomes[0];
      if (outcome?.status === 'acked') problems.push(`fsync of ${path} failed with EIO, yet the commit resolved`);
      else if (outcome?.status !== 'failed' || outcome.code !== 'EIO') problems.push(`fsync of ${path} failed: expected the commit to reject with EIO, got ${JSON.stringify(outcome)}`);
      // Whatever the engine did after the failure: after a power cut and recovery, the transaction is whole or absent.
      for (const model of ['lose-unsynced', 'reorder'] as const) {
        for (let seed = 0; seed < 6; seed++) {
          const after = world.afterCrash({ model, seed });
          await openOn(after, 1);
          const inFlight: Acknowledged = { outcomes: [outcome?.status === 'acked' ? outcome : { status: 'crashed' }] };
          problems.push(...checkInvariants(world, after, w, inFlight).map((v) => `fsync of ${path} failed, crash (${model} ${seed}): ${v.invariant}: ${v.message}`));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('writeFileAtomic rejects with EIO when the temp file fsync fails, and the target keeps its old content across a crash', async () => {
    const world = createCrashWorld({ files: { 't.txt': 'old' } });
    world.failNextSync('.txfs-tmp');
    const err = await writeFileAtomicWith(world.fs, '/t.txt', 'new content', {}, { newId: () => 'w1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxfsError);
    expect((err as TxfsError).code).toBe('EIO');
    for (let seed = 0; seed < 8; seed++) {
      const got = world.afterCrash({ model: 'reorder', seed }).read('/t.txt');
      expect(describeBytes(got)).toBe(describeBytes(Buffer.from('old')));
    }
  });
});
