/**
 * Fault loops over the store's other operations (restore, undo, delete, a write with a checksum sidecar, the
 * integrity scans): each errno, each call, once and always. The operation either fails with that code or
 * completes; after a recovery the files are exactly as before it or exactly as after an unfaulted run, and
 * nothing is left behind.
 */
import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../src/errors.js';
import type { Store } from '../../src/types.js';
import { checkIdempotence, checkInvariants, createCrashWorld, createFaultyFileSystem, filesOf, type CrashWorld, type Fault } from '../../src/testing/index.js';
import { recordCallSites, type SiteCounts } from './callSites.js';
import { openOn } from './harness.js';

const ERRNOS = ['EIO', 'ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EMFILE'] as const;
const files = { 'sub/base.txt': 'base', 'a.txt': 'old a', 'b.txt': 'old b' };

interface StoreOp {
  readonly name: string;
  /** Runs before the fault is armed; returns what the operation needs. */
  readonly prepare: (store: Store) => Promise<string>;
  readonly run: (store: Store, prepared: string) => Promise<unknown>;
}

const ops: StoreOp[] = [
  {
    name: 'restore the newest backup',
    prepare: async (s) => (await s.writeFile('a.txt', 'a v2')).path,
    run: (s) => s.backups.restore('a.txt'),
  },
  {
    name: 'undo a transaction',
    prepare: async (s) => (await s.transaction((tx) => void tx.writeFile('a.txt', 'a v2').delete('b.txt').writeFile('sub/c.txt', 'c'))).id,
    run: (s, id) => s.undo(id),
  },
  { name: 'delete into the backup store', prepare: async () => '', run: (s) => s.deleteFile('b.txt') },
  { name: 'write with a checksum sidecar', prepare: async () => '', run: (s) => s.writeFile('sub/d.txt', 'd'.repeat(3000), { checksumFile: true }) },
  { name: 'verify the store', prepare: async (s) => (await s.writeFile('a.txt', 'a v2')).path, run: (s) => s.verify() },
  { name: 'verify the backups', prepare: async (s) => (await s.writeFile('a.txt', 'a v2')).path, run: (s) => s.backups.verify() },
];

const reached: SiteCounts = new Map();
const failed: SiteCounts = new Map();

/** While true, the clean run counts every call site it reaches (during the operation only). */
let recording = false;

const setup = async (sites: SiteCounts, op: StoreOp): Promise<{ world: CrashWorld; faulty: ReturnType<typeof createFaultyFileSystem>; store: Store; prepared: string }> => {
  const world = createCrashWorld({ files });
  const faulty = createFaultyFileSystem(world.fs);
  const fs = recordCallSites(faulty, sites, () => recording, () => faulty.fired.length);
  const store = await openOn(world, 0, {}, fs);
  const prepared = await op.prepare(store);
  return { world, faulty, store, prepared };
};

/** The files outside the state directory. */
const userFiles = (world: CrashWorld): Map<string, Uint8Array> => new Map([...filesOf(world)].filter(([p]) => !p.startsWith('.txfs/')));

describe('fault loops over store operations', () => {
  it.each(ops.map((o) => [o.name, o] as const))('%s', async (_name, op) => {
    const clean = await setup(reached, op);
    const before = userFiles(clean.world);
    const calls0 = clean.faulty.trace.length;
    recording = true;
    await op.run(clean.store, clean.prepared);
    recording = false;
    const after = userFiles(clean.world);
    const n = clean.faulty.trace.length - calls0;
    expect(n).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const errno of ERRNOS) {
      for (const mode of ['once', 'always'] as const) {
        for (let nth = 1; nth <= n; nth++) {
          const fault: Fault = { kind: '*', nth, errno, mode };
          const what = `${op.name}, ${errno} on call ${nth} (${mode})`;
          const h = await setup(failed, op);
          h.faulty.inject(fault);
          let resolved = false;
          try {
            await op.run(h.store, h.prepared);
            resolved = true;
          } catch (e) {
            if (!(e instanceof TxfsError) || e.code !== errno) problems.push(`${what}: rejected with ${e instanceof TxfsError ? e.code : String(e)}`);
          }
          h.faulty.clearFaults();
          await openOn(h.world, 1);
          const got = userFiles(h.world);
          const asAfter = checkIdempotence(after, got, what);
          const asBefore = checkIdempotence(before, got, what);
          if (resolved ? asAfter.length > 0 : asAfter.length > 0 && asBefore.length > 0) problems.push(`${what}: files are neither as before nor as after: ${(resolved ? asAfter : asBefore)[0]?.message ?? ''}`);
          problems.push(...checkInvariants(h.world, h.world, { files: {}, txs: [] }, { outcomes: [] }).filter((v) => v.invariant === 'I3' || v.invariant === 'I4').map((v) => `${what}: ${v.invariant}: ${v.message}`));
        }
      }
    }
    expect(problems.slice(0, 15), `${problems.length} problems`).toEqual([]);
  });

  it('reaches every call site these operations use with an injected failure', () => {
    const missing = [...reached.keys()].filter((s) => !failed.has(s));
    console.log(`store operations: FileSystem call sites reached by an injected failure: ${reached.size - missing.length} of ${reached.size}`);
    expect(missing).toEqual([]);
  });
});
