/**
 * Workloads on which the crash suite once found a violation, kept with the crash state that showed it.
 */
import { describe, expect, it } from 'vitest';
import { createCrashWorld, createFaultyFileSystem, type Workload } from '../../src/testing/index.js';
import { describeFinding, exploreWorkload, openOn } from './harness.js';
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
    await openOn(world, 1);
    expect(world.list('/.txfs').filter((p) => p.includes('.probe-'))).toEqual([]);
  });
});
