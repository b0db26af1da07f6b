/**
 * What a durable journal commit costs on the LMDB journal: sequential puts unflushed vs each followed by
 * `flush()` under lmdb-js's overlappingSync, puts with every commit synced (overlappingSync: false, what txfs
 * uses), 16 concurrent transactions, and a whole store transaction's journal traffic in both modes. Modes alternate, several rounds; medians of per-op times.
 * Run: npx tsx bench/journalFlush.ts (OPS=n steps per round, default 200). Needs a quiet machine: fsync timings are noisy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openLmdbJournal, type LmdbJournal } from '../src/journal/lmdb.js';
import { median } from './lib/stats.js';

const ops = Number(process.env.OPS ?? 200);
const rounds = 5;
const value = { v: 1, sum: 'x'.repeat(64), body: JSON.stringify({ state: 'committing', ops: [{ path: 'a/b.txt', temp: 'a/.b.txt.tx.0.txfs-tmp' }] }) };

/** The journal traffic of one store transaction: lock, intent (flushed), commit point (flushed), committed, unlock. */
async function txPattern(j: LmdbJournal, key: string): Promise<void> {
  await j.transact((txn) => txn.put(`lock/${key}`, value));
  await j.transact((txn) => txn.put(key, value));
  await j.flush();
  await j.transact((txn) => txn.put(key, value));
  await j.flush();
  await j.transact((txn) => txn.put(key, value));
  await j.transact((txn) => txn.remove(`lock/${key}`));
}

interface Mode {
  readonly label: string;
  readonly overlappingSync: boolean;
  readonly step: (j: LmdbJournal, i: number) => Promise<void>;
}

const modes: Mode[] = [
  { label: 'put, not flushed (overlappingSync)', overlappingSync: true, step: (j, i) => j.put(`tx/${i}`, value) },
  {
    label: 'put + flush() (overlappingSync)',
    overlappingSync: true,
    step: async (j, i) => {
      await j.put(`tx/${i}`, value);
      await j.flush();
    },
  },
  { label: 'put, every commit synced (overlappingSync: false)', overlappingSync: false, step: (j, i) => j.put(`tx/${i}`, value) },
  {
    label: '16 concurrent transacts, each + flush() (per transact)',
    overlappingSync: true,
    step: async (j, i) => {
      await Promise.all(
        Array.from({ length: 16 }, async (_, k) => {
          await j.transact((txn) => txn.put(`tx/${i}/${k}`, value));
          await j.flush();
        }),
      );
    },
  },
  {
    label: '16 concurrent transacts (overlappingSync: false)',
    overlappingSync: false,
    step: async (j, i) => {
      await Promise.all(Array.from({ length: 16 }, (_, k) => j.transact((txn) => txn.put(`tx/${i}/${k}`, value))));
    },
  },
  ...[true, false].map(
    (overlappingSync): Mode => ({
      label: `a transaction's 5 journal commits, 2 flushed (overlappingSync: ${overlappingSync})`,
      overlappingSync,
      step: (j, i) => txPattern(j, `tx/${i}`),
    }),
  ),
  ...[true, false].map(
    (overlappingSync): Mode => ({
      label: `16 concurrent transactions' journal commits (overlappingSync: ${overlappingSync})`,
      overlappingSync,
      step: async (j, i) => {
        await Promise.all(Array.from({ length: 16 }, (_, k) => txPattern(j, `tx/${i}/${k}`)));
      },
    }),
  ),
];


const run = async (mode: Mode): Promise<number> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-bench-'));
  const j = await openLmdbJournal(path.join(dir, 'journal'), { overlappingSync: mode.overlappingSync });
  try {
    for (let i = 0; i < 20; i++) await mode.step(j, -i - 1);
    const t0 = performance.now();
    for (let i = 0; i < ops; i++) await mode.step(j, i);
    return (performance.now() - t0) / ops;
  } finally {
    await j.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

const results = new Map<string, number[]>(modes.map((m) => [m.label, []]));
for (let r = 0; r < rounds; r++) for (const m of modes) results.get(m.label)?.push(await run(m));
for (const m of modes) {
  const per = results.get(m.label) ?? [];
  console.log(`${m.label.padEnd(72)} ${median(per).toFixed(3)} ms per step (median of ${rounds} rounds × ${ops})`);
}
