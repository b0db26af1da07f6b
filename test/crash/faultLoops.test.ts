/**
 * Fault loops (SQLite's method): for each core workload and each errno, fail call n — for every n until the
 * workload completes — once in fail-once mode and once in fail-always mode. After each: the call failed with that
 * code in a TxfsError; before the commit point the targets are as they were, after it recovery completes the
 * transaction; and once recovered, nothing is left behind (I1–I4). Every call site reached is made to fail once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TxfsError } from '../../src/errors.js';
import type { FileSystem } from '../../src/fs/fileSystem.js';
import { writeFileAtomicWith } from '../../src/ops/atomicWrite.js';
import {
  checkIdempotence,
  checkInvariants,
  contentOf,
  filesOf,
  createCrashWorld,
  createFaultyFileSystem,
  describeBytes,
  type CrashWorld,
  type Fault,
  type TxOutcome,
  type Workload,
} from '../../src/testing/index.js';
import { recordCallSites, type SiteCounts } from './callSites.js';
import { openOn } from './harness.js';
import { decodeTx } from '../../src/journal/records/txRecord.js';

const ERRNOS = ['EIO', 'ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EMFILE'] as const;
const MODES = ['once', 'always'] as const;

const base = { 'sub/base.txt': 'base', 'a.txt': 'old a', 'b.txt': 'old b', 'c.json': '{"old":true}' };
const txWorkloads: Array<[string, Workload]> = [
  ['2-file transaction', { files: base, txs: [[{ op: 'write', path: 'a.txt', size: 100 }, { op: 'write', path: 'sub/d.txt', size: 3000 }]] }],
  [
    '5-file transaction',
    {
      files: base,
      txs: [[
        { op: 'write', path: 'a.txt', size: 10 }, { op: 'write', path: 'b.txt', size: 20 }, { op: 'write', path: 'c.json', size: 30 },
        { op: 'write', path: 'sub/d.txt', size: 40 }, { op: 'write', path: 'sub/e.txt', size: 70_000 },
      ]],
    },
  ],
  [
    'create + delete + rename mix',
    { files: base, txs: [[{ op: 'write', path: 'sub/e.txt', size: 50 }, { op: 'delete', path: 'b.txt' }, { op: 'rename', from: 'a.txt', to: 'sub/d.txt' }, { op: 'mkdir', path: 'new' }]] },
  ],
  [
    // Three earlier versions of a.txt: the faulted commit's retention gzips the older backups.
    'copy with backup retention',
    {
      files: base,
      txs: [
        [{ op: 'write', path: 'a.txt', size: 11 }], [{ op: 'write', path: 'a.txt', size: 12 }], [{ op: 'write', path: 'a.txt', size: 13 }],
        [{ op: 'write', path: 'a.txt', size: 14 }, { op: 'copy', from: 'c.json', to: 'sub/e.txt' }],
      ],
    },
  ],
];

/** The transactions before the faulted one, all committed. */
const prelude = (w: Workload): TxOutcome[] => w.txs.slice(0, -1).map(() => ({ status: 'acked', id: '' }));

/** Call sites one loop reached without faults (where a fault could be injected: the denominator), and those an injected fault hit. */
interface Coverage {
  readonly reached: SiteCounts;
  readonly failed: SiteCounts;
}
const coverage = (): Coverage => ({ reached: new Map(), failed: new Map() });
/** Every loop's, for the summary. */
const total = coverage();
let runs = 0;
const surprises: string[] = [];

/** Every call site the loop reached was made to fail at least once (and it reached some). */
const expectCovered = (name: string, c: Coverage): void => {
  for (const [map, into] of [[c.reached, total.reached], [c.failed, total.failed]] as const) for (const [k, v] of map) into.set(k, (into.get(k) ?? 0) + v);
  const missing = [...c.reached.keys()].filter((site) => !c.failed.has(site)).sort();
  expect(c.reached.size, `${name}: call sites reached`).toBeGreaterThan(5);
  expect(missing, `${name}: call sites reached but never made to fail`).toEqual([]);
};

/** Direct FileSystem calls written in src (outside the fs layer, the simulator and the CLI), handle calls aside. */
const staticSites = (): number => {
  const call = /\bfs\.(open|readFile|readStream|stat|lstat|rename|link|unlink|readdir|mkdir|rmdir|copyFile|chmod|utimes|symlink|realpath|syncDir)\(/g;
  const root = fileURLToPath(new URL('../../src/', import.meta.url));
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !/^(fs|testing|cli)\//.test(f))
    .reduce((n, f) => n + (readFileSync(join(root, f), 'utf8').match(call)?.length ?? 0), 0);
};

afterAll(() => {
  console.log(`(src holds ${staticSites()} direct FileSystem calls outside src/fs, src/testing and src/cli; the loops reach the ones their workloads use)`);
  console.log(`fault loops: ${runs} runs; FileSystem call sites reached by an injected failure: ${[...total.reached.keys()].filter((s) => total.failed.has(s)).length} of ${total.reached.size} (each loop asserts its own)`);
  if (surprises.length > 0) console.log(`resolved although a call failed (${surprises.length}):\n${surprises.slice(0, 10).join('\n')}`);
});

interface Harnessed {
  readonly world: CrashWorld;
  readonly faulty: ReturnType<typeof createFaultyFileSystem>;
  readonly fs: FileSystem;
  /** Transaction records written before the fault was armed (the prelude's). */
  before: Set<string>;
  /** Calls can be faulted from now on (the loops of transactions arm the fault after the store's open and the prelude). */
  armed: boolean;
}

/** A faulty file system over `world`; with `all`, every call made once armed is counted in `sites`, otherwise only faulted ones. */
const harness = (world: CrashWorld, sites: SiteCounts, all: boolean, { armed = true }: { readonly armed?: boolean } = {}): Harnessed => {
  const faulty = createFaultyFileSystem(world.fs);
  const h = { world, faulty, fs: faulty as FileSystem, before: new Set<string>(), armed };
  h.fs = recordCallSites(faulty, sites, () => all && h.armed, () => faulty.fired.length);
  return h;
};

/** The state of the faulted transaction's record, if it wrote one. */
const txState = (h: Harnessed): string | undefined => {
  const entry = h.world.journalEntries('tx/').filter((e) => !h.before.has(e.key)).at(-1);
  return entry === undefined ? undefined : decodeTx(entry.key, entry.value).state;
};

/** Runs the workload's transactions; the fault is armed for the last one only (the others are its prelude). */
const runTx = async (h: Harnessed, w: Workload, fault: Fault | undefined): Promise<unknown> => {
  const store = await openOn(h.world, 0, {}, h.fs);
  const last = w.txs.length - 1;
  for (let k = 0; k < last; k++) {
    const pre = store.begin();
    (w.txs[k] ?? []).forEach((op, i) => (op.op === 'write' ? pre.writeFile(op.path, contentOf(k, i, op.size)) : undefined));
    await pre.commit();
  }
  h.before = new Set(h.world.journalEntries('tx/').map((e) => e.key));
  h.armed = true;
  if (fault !== undefined) h.faulty.inject(fault);
  const tx = store.begin();
  (w.txs[last] ?? []).forEach((op, i) => {
    if (op.op === 'write') tx.writeFile(op.path, contentOf(last, i, op.size));
    else if (op.op === 'delete') tx.delete(op.path);
    else if (op.op === 'rename') tx.rename(op.from, op.to);
    else if (op.op === 'copy') tx.copy(op.from, op.to);
    else tx.mkdir(op.path);
  });
  return tx.commit();
};

/** After a failed (or resolved) run: recovery on a fault-free open, then I1–I4 against the right expectation. */
const checkAfter = async (h: Harnessed, w: Workload, outcome: 'resolved' | 'rejected', mode: Fault['mode'], what: string): Promise<string[]> => {
  h.faulty.clearFaults();
  const state = txState(h);
  const landed = outcome === 'resolved' || state === 'committing' || state === 'committed';
  const problems: string[] = [];
  // In fail-always mode the transaction's own clean-up fails too: only recovery can put things back.
  if (!landed && mode === 'once') {
    // Before the commit point: the targets are as they were, before any recovery.
    const v = checkInvariants(h.world, h.world, w, { outcomes: [...prelude(w), { status: 'failed', code: '', message: '' }] }).filter((x) => x.invariant === 'I1' || x.invariant === 'I2');
    problems.push(...v.map((x) => `${what}: before recovery, ${x.invariant}: ${x.message}`));
  }
  try {
    await openOn(h.world, 1, {}, h.fs);
  } catch (e) {
    return [...problems, `${what}: recovery failed: ${String(e)}`];
  }
  const acked = landed ? { status: 'acked' as const, id: '' } : { status: 'failed' as const, code: '', message: '' };
  problems.push(...checkInvariants(h.world, h.world, w, { outcomes: [...prelude(w), acked] }).map((x) => `${what}: after recovery, ${x.invariant}: ${x.message}`));
  return problems;
};

/** Fails call n for every n the fault-free run made (`count`), per errno and mode; then checks the problems and `sites`' coverage. */
const loop = async (name: string, sites: Coverage, count: () => Promise<number>, attempt: (fault: Fault) => Promise<string[]>): Promise<void> => {
  const n = await count();
  expect(n).toBeGreaterThan(5);
  const problems: string[] = [];
  for (const errno of ERRNOS) {
    for (const mode of MODES) {
      for (let nth = 1; nth <= n; nth++) {
        runs += 1;
        problems.push(...(await attempt({ kind: '*', nth, errno, mode })));
      }
    }
  }
  expect(problems.slice(0, 20), `${name}: ${problems.length} problems`).toEqual([]);
  expectCovered(name, sites);
};

const errorProblem = (what: string, e: unknown, fault: Fault, fired: boolean): string[] => {
  if (!fired) return [`${what}: rejected without the fault firing: ${String(e)}`];
  if (!(e instanceof TxfsError)) return [`${what}: rejected with a non-TxfsError ${String(e)}`];
  return e.code === fault.errno ? [] : [`${what}: rejected with ${e.code} (${e.message}), expected ${fault.errno}`];
};

describe('fault loops', () => {
  it.each(txWorkloads)('%s: every failing call leaves the targets as before, or recovery completes the transaction', async (name, w) => {
    const sites = coverage();
    await loop(
      name,
      sites,
      async () => {
        const h = harness(createCrashWorld({ files: w.files }), sites.reached, true, { armed: false });
        await runTx(h, w, undefined);
        return h.faulty.trace.length - (await countOpenCalls(w));
      },
      async (fault) => {
        const h = harness(createCrashWorld({ files: w.files }), sites.failed, false);
        const what = `${name}, ${fault.errno} on call ${fault.nth} (${fault.mode})`;
        try {
          await runTx(h, w, fault);
          if (h.faulty.fired.length > 0) surprises.push(`${what}: ${h.faulty.fired.map((f) => `${f.kind} ${f.path}`).join(', ')}`);
          return await checkAfter(h, w, 'resolved', fault.mode, what);
        } catch (e) {
          return [...errorProblem(what, e, fault, h.faulty.fired.length > 0), ...(await checkAfter(h, w, 'rejected', fault.mode, what))];
        }
      },
    );
  });

  it('single atomic write: every failing call leaves the target as before (or, after the rename, replaced) and no temp file', async () => {
    const OLD = 'old content';
    const NEW = Buffer.from(`${'n'.repeat(5000)}new`);
    const write = (fs: FileSystem): Promise<unknown> => writeFileAtomicWith(fs, '/d/t.txt', NEW, { backup: true }, { now: () => 1_700_000_000_000, newId: () => 'w1' });
    let renameAt = 0;
    const sites = coverage();
    await loop(
      'atomic write',
      sites,
      async () => {
        const h = harness(createCrashWorld({ files: { 'd/t.txt': OLD } }), sites.reached, true);
        await write(h.fs);
        renameAt = h.faulty.trace.findIndex((r) => r.kind === 'rename') + 1;
        return h.faulty.trace.length;
      },
      async (fault) => {
        const h = harness(createCrashWorld({ files: { 'd/t.txt': OLD } }), sites.failed, false);
        h.faulty.inject(fault);
        const what = `atomic write, ${fault.errno} on call ${fault.nth} (${fault.mode})`;
        const problems: string[] = [];
        let resolved = false;
        try {
          await write(h.fs);
          resolved = true;
          if (h.faulty.fired.length > 0) surprises.push(`${what}: ${h.faulty.fired.map((f) => `${f.kind} ${f.path}`).join(', ')}`);
        } catch (e) {
          problems.push(...errorProblem(what, e, fault, h.faulty.fired.length > 0));
        }
        const got = h.world.read('/d/t.txt');
        const isOld = got !== undefined && Buffer.from(got).equals(Buffer.from(OLD));
        const isNew = got !== undefined && Buffer.from(got).equals(NEW);
        // Resolved: replaced. Failed: as before — or already replaced when the failing call came after the rename.
        if (!(resolved ? isNew : isOld || (isNew && fault.nth > renameAt))) problems.push(`${what}: t.txt holds ${describeBytes(got)}`);
        const temps = h.world.list('/').filter((p) => p.endsWith('.txfs-tmp'));
        if (fault.mode === 'once' && temps.length > 0) problems.push(`${what}: temp files left: ${temps.join(', ')}`);
        return problems;
      },
    );
  });

  it('opening a new store: every failing call fails the open with that code, and a later open works and leaves nothing behind', async () => {
    const sites = coverage();
    await loop(
      'open',
      sites,
      async () => {
        const h = harness(createCrashWorld({ files: base }), sites.reached, true);
        await openOn(h.world, 0, {}, h.fs);
        return h.faulty.trace.length;
      },
      async (fault) => {
        const h = harness(createCrashWorld({ files: base }), sites.failed, false);
        h.faulty.inject(fault);
        const what = `open, ${fault.errno} on call ${fault.nth} (${fault.mode})`;
        const problems: string[] = [];
        try {
          await openOn(h.world, 0, {}, h.fs);
          if (h.faulty.fired.length > 0) surprises.push(`${what}: ${h.faulty.fired.map((f) => `${f.kind} ${f.path}`).join(', ')}`);
        } catch (e) {
          problems.push(...errorProblem(what, e, fault, h.faulty.fired.length > 0));
        }
        h.faulty.clearFaults();
        await openOn(h.world, 1, {}, h.fs);
        const left = h.world.list('/').filter((p) => !Object.keys(base).includes(p));
        if (fault.mode === 'once' && left.length > 0) problems.push(`${what}: files left behind: ${left.join(', ')}`);
        return problems;
      },
    );
  });

  it('recovery itself: every failing call fails recovery with that code, and the next recovery completes the transaction', async () => {
    const w = txWorkloads[1]?.[1] as Workload;
    // A crash right after the first rename: recovery has to roll the transaction forward.
    const probe = createCrashWorld({ files: w.files, recordCrashPoints: true });
    await runTx({ world: probe, faulty: createFaultyFileSystem(probe.fs), fs: probe.fs, before: new Set(), armed: true }, w, undefined);
    const point = probe.trace.find((r) => r.kind === 'rename')?.index as number;
    // Under the reorder model with this seed the staged temp files survived: recovery rolls forward.
    const image = (): CrashWorld => probe.afterCrashAt(point, { model: 'reorder', seed: 5 });
    const inFlight = { outcomes: [{ status: 'crashed' as const }] };
    const clean = image();
    await openOn(clean, 1);
    const expected = filesOf(clean);
    const sites = coverage();
    await loop(
      'recovery',
      sites,
      async () => {
        const h = harness(image(), sites.reached, true);
        await openOn(h.world, 1, {}, h.fs);
        return h.faulty.trace.length;
      },
      async (fault) => {
        const h = harness(image(), sites.failed, false);
        h.faulty.inject(fault);
        const what = `recovery, ${fault.errno} on call ${fault.nth} (${fault.mode})`;
        const problems: string[] = [];
        try {
          await openOn(h.world, 1, {}, h.fs);
          if (h.faulty.fired.length > 0) surprises.push(`${what}: ${h.faulty.fired.map((f) => `${f.kind} ${f.path}`).join(', ')}`);
        } catch (e) {
          problems.push(...errorProblem(what, e, fault, h.faulty.fired.length > 0));
        }
        h.faulty.clearFaults();
        try {
          await openOn(h.world, 2, {}, h.fs);
        } catch (e) {
          return [...problems, `${what}: second recovery failed: ${String(e)}`];
        }
        problems.push(...checkInvariants(h.world, h.world, w, inFlight).map((x) => `${what}: ${x.invariant}: ${x.message}`));
        problems.push(...checkIdempotence(expected, filesOf(h.world), what, '.txfs/').map((x) => x.message));
        return problems;
      },
    );
  });
});

/** Calls the store's open makes before the transaction (faults are injected after it). */
const countOpenCalls = async (w: Workload): Promise<number> => {
  const world = createCrashWorld({ files: w.files });
  const faulty = createFaultyFileSystem(world.fs);
  await openOn(world, 0, {}, faulty);
  return faulty.trace.length;
};
