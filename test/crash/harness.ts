/**
 * The crash-suite machinery: run a workload once on a recording crash world, then, for every crash point and
 * every crash model, take the surviving image, run recovery on it, and check I1–I5 — including crashes during
 * recovery (at every call of it, under every disk model, its journal commits kept as LMDB keeps them or lost since
 * the last flush), re-recovered. Shared by the suite, the broken-protocol tests and the regression tests.
 */
import type { FileSystem } from '../../src/fs/fileSystem.js';
import { openStoreWith } from '../../src/store/openStore.js';
import { breakJournal, breakProtocol, breakRecovery, type ProtocolBreaks } from '../../src/testing/protocolBreaks.js';
import type { Durability, Store } from '../../src/types.js';
import {
  checkIdempotence,
  checkInvariants,
  createCrashWorld,
  describeWorkload,
  filesOf,
  runWorkload,
  type Acknowledged,
  type CrashChoice,
  type CrashModel,
  type CrashWorld,
  type JournalSemantics,
  type TxOutcome,
  type Violation,
  type Workload,
} from '../../src/testing/index.js';
import { checkOrdering } from './ordering.js';

/**
 * Opens a store on a world with a deterministic clock and ids; `gen` keeps ids of successive stores distinct and ordered.
 * `breaks` apply to everything the store does: its commits, the journal's flush after an intent, and its recovery.
 */
export const openOn = (world: CrashWorld, gen: number, breaks: ProtocolBreaks = {}, fs: FileSystem = world.fs, durability: Durability = 'full'): Promise<Store> => {
  let t = 0;
  let n = 0;
  return openStoreWith(
    { root: '/', fs, journal: breakJournal(world.journal, breaks), lockTimeoutMs: 50, durability },
    {
      steps: (correct) => breakProtocol(correct, breaks),
      recoverySteps: (correct) => breakRecovery(correct, breaks),
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
  /**
   * Surviving states drawn per crash point of a recovery under the reorder and torn models (default 1 each), besides
   * the two lose-unsynced ones: every journal commit kept (LMDB as a store opens it) and none since the last flush.
   */
  readonly recoveryReorderSeeds?: number;
  readonly recoveryTornSeeds?: number;
  readonly seed: number;
  /** Stop after the first state with a violation. */
  readonly stopAtFirst?: boolean;
  /** Directories that exist durably before the store is first opened (e.g. a prepared state directory). */
  readonly dirs?: readonly string[];
  /**
   * The durability the workload's store runs with (default 'full'; recovery always opens as 'full'). Under 'atomic'
   * I2 asks for a prefix of the acknowledged transactions (`CheckOptions.durability`); `strictI2` counts the states
   * where the full I2 would not have held (acknowledged transactions that a power cut rolled back).
   */
  readonly durability?: 'full' | 'atomic';
  /** The journal's transaction semantics (default 'local', LMDB's; 'remote': the PostgreSQL journal's). */
  readonly journalSemantics?: JournalSemantics;
}

/** One crash state that broke an invariant. */
export interface Finding {
  readonly crashPoint: number;
  readonly model: CrashModel;
  readonly seed: number;
  /** Which journal commits since the last flush survived, when not all of them (see CrashChoice.journal). */
  readonly journal?: 'none' | 'prefix';
  /** How recovery's own crash states were drawn, outermost first (one per entry of `recoveryCrash`). */
  readonly recoveryChoices?: readonly string[];
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
  /** States that broke I1–I5 (the invariants alone: the trace rule is `ordering`). */
  readonly findings: Finding[];
  /** Broken ordering rules (`ordering.ts`) in the workload's trace and in the traces of the recoveries that did work. */
  readonly ordering: string[];
  readonly outcomes: Acknowledged;
  /** Under durability 'atomic': states whose files are a shorter prefix of the acknowledged transactions. */
  readonly rolledBackAcknowledged: number;
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

const recoverOn = async (world: CrashWorld, gen: number, breaks: ProtocolBreaks): Promise<Violation[]> => {
  try {
    await openOn(world, gen, breaks);
    return [];
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return [{ invariant: 'I5', message: `recovery failed: ${err.code ?? ''} ${err.message ?? String(e)}` }];
  }
};

/** I4 as the store itself sees it: `backups.verify()` on a fresh open reports no problem (an unindexed file included). */
const verifyBackups = async (world: CrashWorld, breaks: ProtocolBreaks): Promise<Violation[]> => {
  try {
    const report = await (await openOn(world, 5, breaks)).backups.verify();
    return report.problems.map((p) => ({ invariant: 'I4' as const, path: p.path, message: `backups.verify(): ${p.kind}: ${p.message}` }));
  } catch (e) {
    return [{ invariant: 'I4', message: `backups.verify() failed: ${String(e)}` }];
  }
};

/** One way of drawing the state a crash leaves: a disk model, its seed, and which journal commits survive. */
type Choice = CrashChoice & { readonly model: CrashModel; readonly seed: number; readonly journal: 'all' | 'none' | 'prefix' };

/** How a state was drawn, for messages. */
export const describeChoice = (c: Choice): string =>
  `${c.model}${c.model === 'lose-unsynced' ? '' : ` seed ${c.seed}`}, ${
    c.journal === 'all' ? 'every journal commit kept' : c.journal === 'none' ? 'journal commits since the last flush lost' : 'a prefix of the journal commits since the last flush kept'
  }`;

/**
 * The states drawn per crash point of the workload. The journal keeps every commit that resolved (LMDB as a store
 * opens it, `overlappingSync: false`) — or, as lmdb-js's `overlappingSync: true` would, none or only a prefix of those
 * since the last flush: the protocol must hold under both.
 */
const workloadChoices = (o: ExploreOptions): Choice[] => [
  { model: 'lose-unsynced', seed: 0, journal: 'all' },
  { model: 'lose-unsynced', seed: 0, journal: 'none' },
  ...Array.from({ length: o.reorderSeeds }, (_, i): Choice => ({ model: 'reorder', seed: o.seed + i, journal: i % 2 === 0 ? 'all' : 'prefix' })),
  ...Array.from({ length: o.tornSeeds }, (_, i): Choice => ({ model: 'torn', seed: o.seed + 1000 + i, journal: i % 2 === 0 ? 'all' : 'prefix' })),
];

/**
 * The states drawn per crash point of a recovery: its journal writes kept as LMDB keeps them (so "the final word
 * durable, the renames it describes lost" is a state), or lost since the last flush; the disk under every model.
 */
const recoveryChoices = (o: ExploreOptions): Choice[] => [
  { model: 'lose-unsynced', seed: 0, journal: 'all' },
  { model: 'lose-unsynced', seed: 0, journal: 'none' },
  ...Array.from({ length: o.recoveryReorderSeeds ?? 1 }, (_, i): Choice => ({ model: 'reorder', seed: o.seed + 500 + i, journal: 'all' })),
  ...Array.from({ length: o.recoveryTornSeeds ?? 1 }, (_, i): Choice => ({ model: 'torn', seed: o.seed + 1500 + i, journal: 'all' })),
];

/** The states drawn per crash point of a recovery of a crashed recovery (the nested level costs the most). */
const nestedChoices: Choice[] = [
  { model: 'lose-unsynced', seed: 0, journal: 'all' },
  { model: 'lose-unsynced', seed: 0, journal: 'none' },
];

/** Runs `w` once, then checks every crash state it can leave. */
export const exploreWorkload = async (w: Workload, o: ExploreOptions): Promise<Explored> => {
  const breaks = o.breaks ?? {};
  const world = createCrashWorld({ files: w.files, dirs: o.dirs ?? [], recordCrashPoints: true, journalSemantics: o.journalSemantics ?? 'local' });
  const durability = o.durability ?? 'full';
  const store = await openOn(world, 0, breaks, world.fs, durability);
  const outcomes = await runWorkload(store, w, { world });
  let rolledBackAcknowledged = 0;
  const ordering = new Set(checkOrdering(world.trace, false, o.durability ?? 'full'));
  const calls = world.calls;
  const seen = new Set<string>();
  const findings: Finding[] = [];
  let states = 0;
  let recoveryCrashStates = 0;
  let nestedStates = 0;
  const result = (): Explored => ({ calls, states, recoveryCrashStates, nestedStates, findings, ordering: [...ordering], outcomes, rolledBackAcknowledged });
  const found = (n: number, c: Choice, inner: ReadonlyArray<readonly [number, Choice]>, violations: Violation[]): void => {
    findings.push({
      crashPoint: n, model: c.model, seed: c.seed, ...(c.journal === 'all' ? {} : { journal: c.journal }),
      recoveryCrash: inner.map(([m]) => m), recoveryChoices: inner.map(([, rc]) => describeChoice(rc)), violations,
    });
  };

  const checkState = async (after: CrashWorld, acked: Acknowledged, gen: number, expectFiles: Map<string, Uint8Array> | undefined, what: string): Promise<Violation[]> => {
    const failed = await recoverOn(after, gen, breaks);
    if (failed.length > 0) return failed;
    const v = checkInvariants(world, after, w, acked, { durability });
    if (durability === 'atomic' && v.length === 0 && checkInvariants(world, after, w, acked).some((x) => x.invariant === 'I2')) rolledBackAcknowledged += 1;
    const first = filesOf(after);
    if (expectFiles !== undefined) v.push(...checkIdempotence(expectFiles, first, `${what} vs uninterrupted recovery`, '.txfs/'));
    return v;
  };
  const fresh = (x: CrashWorld): boolean => {
    const d = x.digest();
    if (seen.has(d)) return false;
    seen.add(d);
    states += 1;
    return true;
  };

  for (let n = 0; n <= calls; n++) {
    const acked = outcomesAt(world, w, n);
    for (const c of workloadChoices(o)) {
      const after = world.afterCrashAt(n, c);
      if (!fresh(after)) continue;
      const v = await checkState(after, acked, 1, undefined, 'recovery');
      const recoveryCalls = after.calls;
      const once = filesOf(after);
      const worked = didWork(after);
      if (v.length === 0 && worked) {
        // I5: recovery run again changes nothing. (A recovery that changed no file leaves nothing for a second run
        // but what I3 already looks for, so the second run is spent only where the first one worked.)
        v.push(...(await recoverOn(after, 2, breaks)));
        v.push(...checkIdempotence(once, filesOf(after), 'second recovery'));
        v.push(...(await verifyBackups(after, breaks)));
        // The trace rule is kept apart from the invariants, so that a test can tell which of the two caught a defect.
        for (const message of checkOrdering(after.trace, true)) ordering.add(`recovery after a crash after call ${n} (${describeChoice(c)}): ${message}`);
      }
      if (v.length > 0) {
        found(n, c, [], v);
        if (o.stopAtFirst === true) return result();
        continue;
      }
      // Recovery did work (more than a clean open costs): crash it at every point, the last included, and recover again.
      if (o.recoveryCrashes === 'none' || !worked) continue;
      // The same surviving state again, this time recording a snapshot before every call of its recovery.
      const recorded = world.afterCrashAt(n, { ...c, recordCrashPoints: true });
      await recoverOn(recorded, 1, breaks);
      for (let m = 0; m <= recoveryCalls; m++) {
        for (const rc of recoveryChoices(o)) {
          const again = recorded.afterCrashAt(m, { ...rc, recordCrashPoints: o.recoveryCrashes === 'nested' });
          if (!fresh(again)) continue;
          recoveryCrashStates += 1;
          const v2 = await checkState(again, acked, 3, once, `recovery crashed after call ${m} (${describeChoice(rc)})`);
          if (v2.length > 0) {
            found(n, c, [[m, rc]], v2);
            if (o.stopAtFirst === true) return result();
            continue;
          }
          if (o.recoveryCrashes !== 'nested' || !didWork(again)) continue;
          const inner = again.calls;
          for (let m2 = 0; m2 <= inner; m2 += 1) {
            for (const nc of nestedChoices) {
              const third = again.afterCrashAt(m2, nc);
              if (!fresh(third)) continue;
              nestedStates += 1;
              const v3 = await checkState(third, acked, 4, once, `recovery crashed after call ${m}, its re-run after call ${m2}`);
              if (v3.length > 0) {
                found(n, c, [[m, rc], [m2, nc]], v3);
                if (o.stopAtFirst === true) return result();
              }
            }
          }
        }
      }
    }
  }
  return result();
};

const WORK = new Set(['rename', 'unlink', 'write', 'link', 'copyFile', 'truncate', 'rmdir']);

/** True for the probe file every open creates and removes in the state directory (`stateDir.ts`: `<stateDir>/.probe`). */
export const isOpenProbe = (path: string): boolean => path === '/.txfs/.probe';

/** True when the recovery traced in `world` changed a file (the store's open probe aside). */
export const didWork = (world: CrashWorld): boolean => world.trace.some((r) => WORK.has(r.kind) && !isOpenProbe(r.path));

/** A failure message naming the workload, the crash point, how its state was drawn, and what broke. */
export const describeFinding = (w: Workload, f: Finding, breaks: ProtocolBreaks = {}): string =>
  [
    `crash after call ${f.crashPoint}, ${describeChoice({ model: f.model, seed: f.seed, journal: f.journal ?? 'all' })}${
      f.recoveryCrash.length > 0 ? `, recovery crashed after call(s) ${f.recoveryCrash.map((m, i) => `${m} (${f.recoveryChoices?.[i] ?? ''})`).join(' then ')}` : ''
    }${Object.keys(breaks).length > 0 ? `, breaks ${JSON.stringify(breaks)}` : ''}`,
    describeWorkload(w),
    ...f.violations.map((v) => `  ${v.invariant}: ${v.message}`),
  ].join('\n');
