/**
 * Counts the FileSystem calls (each one a thread-pool round trip) of one 10-file transaction (4 KiB each, replacing
 * existing files, backups on) and of one single-file transaction, by kind, with the tuning defaults and with each
 * round-trip switch off: the robust figure of the commit hot path's cost on a noisy machine.
 * Run: npx tsx bench/fsCalls.ts (TRACE=1 also prints each call of the 10-file transaction)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFaultyFileSystem, type FsCallRecord } from '../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../src/fs/node.js';
import { openStoreWith } from '../src/store/openStore.js';
import type { CommitTuning } from '../src/transaction/tuning.js';

const data = Buffer.alloc(4096, 'x');

/** The calls of one `files`-file transaction replacing existing files (after a warm-up one), and their count by kind. */
export const countTx = async (files: number, tuning: CommitTuning = {}): Promise<{ total: number; byKind: Record<string, number>; trace: readonly FsCallRecord[] }> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-calls-'));
  const names = Array.from({ length: files }, (_, i) => `f${i}.dat`);
  for (const n of names) fs.writeFileSync(path.join(dir, n), data);
  const ffs = createFaultyFileSystem(nodeFileSystem);
  const store = await openStoreWith({ root: dir, fs: ffs, backups: { compressAfter: 1_000_000 } }, { tuning });
  try {
    await store.transaction((tx) => void names.forEach((n) => tx.writeFile(n, data))); // the first backups
    const from = ffs.trace.length;
    await store.transaction((tx) => void names.forEach((n) => tx.writeFile(n, data)));
    const trace = ffs.trace.slice(from);
    const byKind: Record<string, number> = {};
    for (const c of trace) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    return { total: trace.length, byKind, trace };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const show = (r: { total: number; byKind: Record<string, number> }): string =>
  `${r.total} (${Object.entries(r.byKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')})`;

const variants: ReadonlyArray<readonly [string, CommitTuning]> = [
  ['defaults', {}],
  ['realpathPerDirectory off', { realpathPerDirectory: false }],
];
for (const [name, tuning] of variants) {
  console.log(`fs calls, 10-file transaction, ${name}: ${show(await countTx(10, tuning))}`);
  console.log(`fs calls, 1-file transaction, ${name}: ${show(await countTx(1, tuning))}`);
}
if (process.env.TRACE !== undefined) for (const c of (await countTx(10)).trace) console.log(c.kind, c.path, c.to ?? '');
