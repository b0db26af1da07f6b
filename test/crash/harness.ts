/**
 * The crash-suite machinery: run a workload once on a recording crash world, then, for every crash point and
 * every crash model, take the surviving image, run recovery on it, and check I1–I5 — including crashes during
 * recovery, re-recovered. Shared by the suite, the broken-protocol tests and the regression tests.
 */
import type { FileSystem } from '../../src/fs/fileSystem.js';
import { openStoreWith } from '../../src/store/openStore.js';
import { breakProtocol, type ProtocolBreaks } from '../../src/testing/protocolBreaks.js';
import type { Store } from '../../src/types.js';
import {
  checkIdempotence,
  checkInvariants,
  createCrashWorld,
  describeWorkload,
  filesOf,
  runWorkload,
  type Acknowledged,
  type CrashModel,
  type CrashWorld,
  type TxOutcome,
  type Violation,
  type Workload,
} from '../../src/testing/index.js';
import { checkOrdering } from './ordering.js';

/** Opens a store on a world with a deterministic clock and ids; `gen` keeps ids of successive stores distinct and ordered. */
export const openOn = (world: CrashWorld, gen: number, breaks: ProtocolBreaks = {}, fs: FileSystem = world.fs): Promise<Store> => {
  let t = 0;
  let n = 0;
  return openStoreWith(
    { root: '/', fs, journal: world.journal, lockTimeoutMs: 50 },
    {
      steps: (correct) => breakProtocol(correct, breaks),
      now: () => 1_700_000_000_000 + gen * 100_000_000 + ++t * 1000,
      newId: () => `g${gen.toString(36).padStart(3, '0')}${(n++).toString(36).padStart(6, '0')}`,
    },
  );
};

/** How hard to look at one workload. */
export interface ExploreOptions {
  readonly breaks?: ProtocolBreaks;
  /** Surviving states drawn per crash point for the reorder and torn models (lose-unsynced has one). */
  readonly reorderSeeds: number;
  readonly tornSeeds: number;
  /** Crash recovery itself at every point of states whose recovery did work; 'nested' crashes the re-recovery too. */
  readonly recoveryCrashes: 'none' | 'all' | 'nested';
  readonly seed: number;
  /** Stop after the first state with a violation. */
  readonly stopAtFirst?: boolean;
  /** Directories that exist durably before the store is first opened (e.g. a prepared state directory). */
  readonly dirs?: readonly string[];
}

/** One crash state that broke an invariant. */
export interface Finding {
  readonly crashPoint: number;
  readonly model: CrashModel;
  readonly seed: number;
  /** 'all': every committed journal write survived (see CrashChoice.journal). */
  readonly journal?: 'all';
  /** Crash points inside recovery, outermost first (empty: recovery ran uninterrupted). */
  readonly recoveryCrash: readonly number[];
  readonly violations: readonly Violation[];
}

/** What exploring one workload found. */
export interface Explored {
  readonly calls: number;
  readonly states: number;
  /** Of these, states reached by crashing recovery once, and twice (a crash of the recovery of a crashed recovery). */
  readonly recoveryCrashStates: number;
  readonly nestedStates: number;
  readonly findings: Finding[];
  readonly ordering: string[];
  readonly outcomes: Acknowledged;
}

/** Which transactions had resolved, failed or were running when the world was cut off after call `n`. */
export const outcomesAt = (world: CrashWorld, w: Workload, n: number): Acknowledged => {
  const at = (label: RegExp): Map<number, number> => {
    const m = new Map<number, number>();
    for (const r of world.trace) {
      const hit = r.kind === 'mark' ? label.exec(r.path) : null;
      if (hit !== null) m.set(Number(hit[1]), r.index);
    }
    return m;
  };
  const resolved = at(/^resolved tx(\d+) /);
  const failed = at(/^failed tx(\d+) /);
  const failCode = new Map(world.trace.filter((r) => r.kind === 'mark' && r.path.startsWith('failed')).map((r) => [Number(/tx(\d+)/.exec(r.path)?.[1]), r.path.split(' ')[2] ?? '']));
  const outcomes: TxOutcome[] = [];
  let cut = false;
  w.txs.forEach((_, k) => {
    if (cut) outcomes.push({ status: 'not-run' });
    else if ((resolved.get(k) ?? Infinity) <= n) outcomes.push({ status: 'acked', id: '' });
    else if ((failed.get(k) ?? Infinity) <= n) outcomes.push({ status: 'failed', code: failCode.get(k) ?? '', message: '' });
    else {
      outcomes.push({ status: 'crashed' });
      cut = true;
    }
  });
  return { outcomes };
};

const recoverOn = async (world: CrashWorld, gen: number): Promise<Violation[]> => {
  try {
    await openOn(world, gen);
    return [];
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return [{ invariant: 'I5', message: `recovery failed: ${err.code ?? ''} ${err.message ?? String(e)}` }];
  }
};

/** I4 as the store itself sees it: `backups.verify()` on a fresh open reports no problem. */
const verifyBackups = async (world: CrashWorld): Promise<Violation[]> => {
  try {
    const report = await (await openOn(world, 5)).backups.verify();
    return report.problems.map((p) => ({ invariant: 'I4' as const, path: p.path, message: `backups.verify(): ${p.kind}: ${p.message}` }));
  } catch (e) {
    return [{ invariant: 'I4', message: `backups.verify() failed: ${String(e)}` }];
  }
};

/** Runs `w` once, then checks every crash state it can leave. */
export const exploreWorkload = async (w: Workload, o: ExploreOptions): Promise<Explored> => {
  const world = createCrashWorld({ files: w.files, dirs: o.dirs ?? [], recordCrashPoints: true });
  const store = await openOn(world, 0, o.breaks);
  const outcomes = await runWorkload(store, w, { world });
  const ordering = checkOrdering(world.trace);
  const calls = world.calls;
  const seen = new Set<string>();
  const findings: Finding[] = [];
  let states = 0;
  let recoveryCrashStates = 0;
  let nestedStates = 0;
  const choices: Array<{ model: CrashModel; seed: number; journal?: 'all' }> = [
    { model: 'lose-unsynced', seed: 0 },
    // The disk lost everything unsynced while every journal commit landed: the other extreme.
    { model: 'lose-unsynced', seed: 0, journal: 'all' },
    ...Array.from({ length: o.reorderSeeds }, (_, i) => ({ model: 'reorder' as const, seed: o.seed + i })),
    ...Array.from({ length: o.tornSeeds }, (_, i) => ({ model: 'torn' as const, seed: o.seed + 1000 + i })),
  ];

  const checkState = async (after: CrashWorld, acked: Acknowledged, gen: number, expectFiles: Map<string, Uint8Array> | undefined, what: string): Promise<Violation[]> => {
    const failed = await recoverOn(after, gen);
    if (failed.length > 0) return failed;
    const v = checkInvariants(world, after, w, acked);
    const first = filesOf(after);
    if (expectFiles !== undefined) v.push(...checkIdempotence(expectFiles, first, `${what} vs uninterrupted recovery`, '.txfs/'));
    return v;
  };

  for (let n = 0; n <= calls; n++) {
    const acked = outcomesAt(world, w, n);
    for (const c of choices) {
      const after = world.afterCrashAt(n, c);
      const digest = after.digest();
      if (seen.has(digest)) continue;
      seen.add(digest);
      states += 1;
      const v = await checkState(after, acked, 1, undefined, 'recovery');
      const recoveryCalls = after.calls;
      const once = filesOf(after);
      if (v.length === 0 && didWork(after)) {
        // I5: recovery run again changes nothing. (A recovery that changed no file leaves nothing for a second run
        // but what I3 already looks for, so the second run is spent only where the first one worked.)
        v.push(...(await recoverOn(after, 2)));
        v.push(...checkIdempotence(once, filesOf(after), 'second recovery'));
        v.push(...checkOrdering(after.trace, true).map((message) => ({ invariant: 'I5' as const, message: `recovery ordering: ${message}` })));
        v.push(...(await verifyBackups(after)));
      }
      if (v.length > 0) {
        findings.push({ crashPoint: n, model: c.model, seed: c.seed, ...(c.journal === undefined ? {} : { journal: c.journal }), recoveryCrash: [], violations: v });
        if (o.stopAtFirst === true) return { calls, states, recoveryCrashStates, nestedStates, findings, ordering, outcomes };
        continue;
      }
      // Recovery did work (more than a clean open costs): crash it at every point and recover again.
      if (o.recoveryCrashes === 'none' || !didWork(after)) continue;
      // The same surviving state again, this time recording a snapshot before every call of its recovery.
      const recorded = world.afterCrashAt(n, { ...c, recordCrashPoints: true });
      await recoverOn(recorded, 1);
      for (let m = 0; m < recoveryCalls; m++) {
        const again = recorded.afterCrashAt(m, { model: 'lose-unsynced', recordCrashPoints: o.recoveryCrashes === 'nested' });
        const d2 = again.digest();
        if (seen.has(d2)) continue;
        seen.add(d2);
        states += 1;
        recoveryCrashStates += 1;
        const v2 = await checkState(again, acked, 3, once, `recovery crashed after call ${m}`);
        if (v2.length > 0) {
          findings.push({ crashPoint: n, model: c.model, seed: c.seed, ...(c.journal === undefined ? {} : { journal: c.journal }), recoveryCrash: [m], violations: v2 });
          continue;
        }
        if (o.recoveryCrashes !== 'nested' || !didWork(again)) continue;
        const inner = again.calls;
        for (let m2 = 0; m2 < inner; m2 += 1) {
          const third = again.afterCrashAt(m2, { model: 'lose-unsynced' });
          const d3 = third.digest();
          if (seen.has(d3)) continue;
          seen.add(d3);
          states += 1;
          nestedStates += 1;
          const v3 = await checkState(third, acked, 4, once, `recovery crashed after call ${m}, its re-run after call ${m2}`);
          if (v3.length > 0) findings.push({ crashPoint: n, model: c.model, seed: c.seed, ...(c.journal === undefined ? {} : { journal: c.journal }), recoveryCrash: [m, m2], violations: v3 });
        }
      }
    }
  }
  return { calls, states, recoveryCrashStates, nestedStates, findings, ordering, outcomes };
};

const WORK = new Set(['rename', 'unlink', 'write', 'link', 'copyFile', 'truncate', 'rmdir']);

/** True when the recovery traced in `world` changed a file (the store's open probe aside). */
const didWork = (world: CrashWorld): boolean => world.trace.some((r) => WORK.has(r.kind) && !r.path.includes('/.probe-'));

/** A failure message naming the workload, the crash point and what broke. */
export const describeFinding = (w: Workload, f: Finding, breaks: ProtocolBreaks = {}): string =>
  [
    `crash after call ${f.crashPoint}, model ${f.model}, seed ${f.seed}${f.journal === undefined ? '' : ', every journal commit kept'}${f.recoveryCrash.length > 0 ? `, recovery crashed after call(s) ${f.recoveryCrash.join(' then ')}` : ''}${Object.keys(breaks).length > 0 ? `, breaks ${JSON.stringify(breaks)}` : ''}`,
    describeWorkload(w),
    ...f.violations.map((v) => `  ${v.invariant}: ${v.message}`),
  ].join('\n');
