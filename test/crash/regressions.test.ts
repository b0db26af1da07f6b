/**
 * Workloads on which the crash suite once found a violation, kept with the crash state that showed it.
 */
import { describe, expect, it } from 'vitest';
import { createCrashWorld, createFaultyFileSystem, runWorkload, type Workload } from '../../src/testing/index.js';
import { describeFinding, didWork, exploreWorkload, isOpenProbe, openOn } from './harness.js';
import { countStates } from './totals.js';

interface Regression {
  readonly title: string;
  readonly w: Workload;
  readonly dirs?: readonly string[];
}

const regressions: Regression[] = [
  {
    // The state directory's `backups` entry was never fsynced: indexed backups vanished after a power cut (I4),
    // and a roll-back that needed one left a transaction half applied (I1). Crash after call 40/44.
    title: 'backups stay reachable after a crash: the state directory is fsynced after creating backups/',
    w: {
      files: { 'sub/base.txt': 'base', 'a.txt': 'old a' },
      txs: [[{ op: 'write', path: 'a.txt', size: 10 }, { op: 'write', path: 'b.txt', size: 20 }], [{ op: 'rename', from: 'a.txt', to: 'sub/d.txt' }, { op: 'delete', path: 'b.txt' }]],
    },
  },
  {
    // Shrunk by fast-check: deleting a file and writing another; crash after call 38 under reorder.
    title: 'a deletion rolled back after a crash finds its backup',
    w: { files: { 'sub/base.txt': 'base' }, txs: [[{ op: 'delete', path: 'sub/base.txt' }, { op: 'write', path: 'a.txt', size: 0 }]] },
  },
  {
    // Roll-back renamed the backup into place across directories, then fsynced the backup directory before the
    // target's: a crash of recovery in between lost the file (crash after call 36, reorder, recovery crashed after call 26).
    title: 'a roll-back interrupted by a crash does not lose the file it restores',
    w: { files: { 'sub/base.txt': 'base' }, txs: [[{ op: 'rename', from: 'sub/base.txt', to: 'a.txt' }]] },
    dirs: ['.txfs/backups'],
  },
  {
    // Shrunk by fast-check: after tx3, retention gzips an old backup through a temp file in backups/; a crash
    // (after call 128, reorder) left that temp behind, with nothing in the journal naming it (I3).
    title: 'a crash while retention compresses a backup leaves no temp file',
    w: {
      files: { 'sub/base.txt': 'base' },
      txs: [
        [{ op: 'write', path: 'c.json', size: 4096 }, { op: 'write', path: 'a.txt', size: 0 }],
        [{ op: 'write', path: 'c.json', size: 0 }, { op: 'write', path: 'a.txt', size: 0 }],
        [{ op: 'copy', from: 'a.txt', to: 'c.json' }],
        [{ op: 'write', path: 'b.txt', size: 0 }, { op: 'delete', path: 'c.json' }],
      ],
    },
  },
];

describe('crash-suite regressions', () => {
  it.each(regressions)('$title', async ({ w, dirs }) => {
    const r = await exploreWorkload(w, { reorderSeeds: 24, tornSeeds: 8, recoveryCrashes: 'all', seed: 1, ...(dirs === undefined ? {} : { dirs }) });
    countStates(r.states, r.findings.length);
    expect(r.findings.slice(0, 3).map((f) => describeFinding(w, f))).toEqual([]);
    expect(r.ordering).toEqual([]);
  });

  it('a failed open leaves no probe file behind', async () => {
    const world = createCrashWorld();
    const faulty = createFaultyFileSystem(world.fs, [{ kind: 'close', nth: 1, errno: 'EIO' }]);
    await expect(openOn(world, 0, {}, faulty)).rejects.toMatchObject({ code: 'EIO' });
    // The open did get as far as its probe (the fault hit the probe's close), and removed it.
    expect(faulty.fired.map((f) => f.path).filter(isOpenProbe)).toHaveLength(1);
    expect(world.list('/.txfs')).toEqual([]);
    await openOn(world, 1);
    expect(world.list('/.txfs')).toEqual([]);
  });

  it("the harness tells recovery's work from the open's probe: a clean open did none, a roll-back did", async () => {
    const clean = createCrashWorld({ files: { 'a.txt': 'old' } });
    await openOn(clean, 0);
    // Every open creates and removes its probe: the harness must recognise it by its real name.
    expect(clean.trace.filter((r) => isOpenProbe(r.path)).map((r) => r.kind)).toEqual(expect.arrayContaining(['open', 'unlink']));
    expect(didWork(clean)).toBe(false);
    // A crash right after the first temp file was written: recovery rolls the staging transaction back.
    const w: Workload = { files: { 'a.txt': 'old' }, txs: [[{ op: 'write', path: 'a.txt', size: 10 }]] };
    const run = createCrashWorld({ files: w.files, recordCrashPoints: true });
    await runWorkload(await openOn(run, 0), w, { world: run });
    const written = run.trace.find((r) => r.kind === 'write' && r.path.endsWith('.txfs-tmp'))?.index as number;
    const after = run.afterCrashAt(written, { model: 'reorder', seed: 1 });
    const store = await openOn(after, 1);
    expect(store.recovery.rolledBack).toHaveLength(1);
    expect(didWork(after)).toBe(true);
  });
});
