/**
 * `backups.keepCurrent` under crashes: at every crash point of writes, a rename and a delete that keep copies of the
 * current versions (and at every crash point of the recoveries that did work), recovery leaves I1–I4 holding — no
 * copy left unindexed, none indexed that is missing or wrong — and every file the manifest knows has exactly one kept
 * copy, holding what the manifest says.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBackup } from '../../src/journal/records/backupRecord.js';
import { decodeManifest } from '../../src/journal/records/txRecord.js';
import { openStoreWith } from '../../src/store/openStore.js';
import { checkInvariants, runWorkload, createCrashWorld, type Acknowledged, type CrashChoice, type CrashWorld, type Violation, type Workload } from '../../src/testing/index.js';
import { didWork, outcomesAt } from './harness.js';
import { countStates } from './totals.js';

/** A store on `world` that keeps a copy of every version it writes, with a deterministic clock and ids. */
const openKeeping = (world: CrashWorld, gen: number) => {
  let t = 0;
  let n = 0;
  return openStoreWith(
    { root: '/', fs: world.fs, journal: world.journal, lockTimeoutMs: 50, backups: { keepCurrent: true } },
    { now: () => 1_700_000_000_000 + gen * 100_000_000 + ++t * 1000, newId: () => `k${gen}${(n++).toString(36).padStart(6, '0')}` },
  );
};

/** Every file the manifest knows has one kept copy, indexed as current, holding the manifest's content; no other copy is current. */
const checkKeptCopies = (after: CrashWorld): Violation[] => {
  const out: Violation[] = [];
  const manifest = new Map(after.journalEntries('manifest/').map((e) => [e.key.slice('manifest/'.length), decodeManifest(e.key, e.value)]));
  const current = after.journalEntries('backup/').map((e) => decodeBackup(e.key, e.value)).filter((r) => r.reason === 'current');
  for (const [rel, m] of manifest) {
    const copies = current.filter((r) => r.path === rel);
    if (copies.length !== 1) out.push({ invariant: 'I4', path: rel, message: `${rel} has ${copies.length} kept copies of its current version, not one` });
    const copy = copies[0];
    if (copy === undefined) continue;
    const stored = after.peek(`/.txfs/backups/${copy.file}`);
    const sha = stored === undefined ? undefined : createHash('sha256').update(stored).digest('hex');
    if (copy.sha256 !== m.sha256 || sha !== m.sha256) out.push({ invariant: 'I4', path: rel, message: `the kept copy of ${rel} holds ${sha ?? 'nothing'}, the manifest says ${m.sha256}` });
  }
  for (const r of current) if (!manifest.has(r.path)) out.push({ invariant: 'I4', path: r.path, message: `a copy of ${r.path} is indexed as current, but the store holds no such file` });
  return out;
};

const choices: ReadonlyArray<CrashChoice & { readonly journal: 'all' | 'none' | 'prefix' }> = [
  { model: 'lose-unsynced', seed: 0, journal: 'all' },
  { model: 'lose-unsynced', seed: 0, journal: 'none' },
  ...[0, 1, 2, 3].map((i) => ({ model: 'reorder' as const, seed: 40 + i, journal: i % 2 === 0 ? ('all' as const) : ('prefix' as const) })),
  ...[0, 1].map((i) => ({ model: 'torn' as const, seed: 80 + i, journal: 'all' as const })),
];

/** Recovers `after` and checks everything; a failed open is a violation (I5). */
const recoverAndCheck = async (before: CrashWorld, after: CrashWorld, w: Workload, acked: Acknowledged, gen: number): Promise<string[]> => {
  let store;
  try {
    store = await openKeeping(after, gen);
  } catch (e) {
    return [`recovery failed: ${String(e)}`];
  }
  const verify = await store.backups.verify();
  const v = [
    ...checkInvariants(before, after, w, acked),
    ...checkKeptCopies(after),
    ...verify.problems.map((p): Violation => ({ invariant: 'I4', path: p.path, message: `backups.verify(): ${p.kind}: ${p.message}` })),
  ];
  return v.map((x) => `${x.invariant}: ${x.message}`);
};

const workload: Workload = {
  files: { 'a.txt': 'old a', 'sub/base.txt': 'base' },
  txs: [
    [{ op: 'write', path: 'a.txt', size: 10 }, { op: 'write', path: 'b.txt', size: 20 }],
    [{ op: 'write', path: 'a.txt', size: 30 }, { op: 'delete', path: 'b.txt' }],
    [{ op: 'rename', from: 'a.txt', to: 'sub/c.txt' }, { op: 'copy', from: 'sub/base.txt', to: 'd.txt' }],
    [{ op: 'write', path: 'sub/c.txt', size: 5 }, { op: 'write', path: 'd.txt', size: 0 }],
  ],
};

describe('keepCurrent under crashes', () => {
  it('keeps I1–I4 and one intact kept copy per file at every crash point, recovery crashes included', async () => {
    const world = createCrashWorld({ files: workload.files, recordCrashPoints: true });
    const outcomes = await runWorkload(await openKeeping(world, 0), workload, { world });
    expect(outcomes.outcomes.every((o) => o.status === 'acked')).toBe(true);
    // The uninterrupted run made the copies the check looks for (so that the check cannot pass for lack of them).
    expect(checkKeptCopies(world)).toEqual([]);
    expect(world.journalEntries('backup/').filter((e) => decodeBackup(e.key, e.value).reason === 'current')).toHaveLength(2);

    const seen = new Set<string>();
    const found: string[] = [];
    let states = 0;
    for (let n = 0; n <= world.calls && found.length < 3; n++) {
      const acked = outcomesAt(world, workload, n);
      for (const c of choices) {
        const after = world.afterCrashAt(n, c);
        if (seen.has(after.digest())) continue;
        seen.add(after.digest());
        states += 1;
        const v = await recoverAndCheck(world, after, workload, acked, 1);
        if (v.length > 0) found.push(`crash after call ${n} (${c.model} ${c.seed}, journal ${c.journal}): ${v.join('; ')}`);
        if (v.length > 0 || !didWork(after)) continue;
        // Recovery did work: crash it at every point too, and recover again.
        const recorded = world.afterCrashAt(n, { ...c, recordCrashPoints: true });
        await openKeeping(recorded, 1);
        for (let m = 0; m <= recorded.calls; m++) {
          for (const rc of choices.slice(0, 2)) {
            const again = recorded.afterCrashAt(m, rc);
            if (seen.has(again.digest())) continue;
            seen.add(again.digest());
            states += 1;
            const v2 = await recoverAndCheck(world, again, workload, acked, 2);
            if (v2.length > 0) found.push(`crash after call ${n} (${c.model} ${c.seed}), recovery crashed after call ${m} (journal ${rc.journal}): ${v2.join('; ')}`);
          }
        }
      }
    }
    countStates(states, found.length);
    expect(states).toBeGreaterThan(world.calls);
    expect(found).toEqual([]);
  }, 600_000);
});
