/**
 * Prune and compress under the crash simulator: a crash after any single call, under every crash model, never
 * leaves the index naming a missing or damaged backup, and the next prune completes the job.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BackupContext } from '../../../src/backup/backupContext.js';
import { indexBackup, listAllBackupRecords } from '../../../src/backup/backupIndex.js';
import { type BackupRecord } from '../../../src/journal/records/backupRecord.js';
import { pruneBackups } from '../../../src/store/prune.js';
import type { RetentionPolicy } from '../../../src/store/retention.js';
import { verifyBackups } from '../../../src/store/verifyBackups.js';
import { isTempName } from '../../../src/ops/tempName.js';
import { createCrashWorld, type CrashModel, type CrashWorld } from '../../../src/testing/index.js';

const backupDir = '/.txfs/backups';
const day = 86_400_000;
const versions: Array<{ path: string; file: string; content: string }> = [
  ...[1, 2, 3].map((n) => ({ path: 'a.txt', file: `a-2026010${n}-000000-T${n}.txt.bak`, content: `a version ${n} `.repeat(50) })),
  ...[4, 5].map((n) => ({ path: 'a-b.txt', file: `a-b-2026010${n}-000000-T${n}.txt.bak`, content: `a-b version ${n} `.repeat(50) })),
];
const policy: RetentionPolicy = { keep: 2, compressAfter: 1, compressMinBytes: 0 };

const records: BackupRecord[] = versions.map((v, i) => ({
  v: 1,
  id: `T${i + 1}-0`,
  path: v.path,
  file: v.file,
  createdAt: (i + 1) * day,
  size: Buffer.byteLength(v.content),
  sha256: createHash('sha256').update(v.content).digest('hex'),
  compressed: false,
  reason: 'replaced',
  txId: `T${i + 1}`,
}));

// Ids are unique across crashes, as the store's time-and-random ids are.
let ids = 0;
const ctxOf = (w: CrashWorld): BackupContext => ({ backupDir, env: { fs: w.fs, journal: w.journal, now: () => 10 * day, newId: () => `c${++ids}` } });

/** A world holding the five backups, durably indexed; returns it with the number of calls that took. */
const setup = async (model: CrashModel, seed: number): Promise<{ w: CrashWorld; base: number }> => {
  const w = createCrashWorld({ model, seed, files: Object.fromEntries(versions.map((v) => [`${backupDir}/${v.file}`, v.content])) });
  await w.journal.transact((txn) => {
    for (const r of records) indexBackup(txn, r);
  });
  await w.journal.flush();
  return { w, base: w.calls };
};

/** I4 for backups: everything the index names is there and sound; what is not indexed is only litter of the kinds allowed. */
const check = async (w: CrashWorld, where: string): Promise<void> => {
  const report = await verifyBackups(ctxOf(w));
  const bad = report.problems.filter((p) => p.kind !== 'unindexed');
  expect(bad, where).toEqual([]);
  const live = await listAllBackupRecords(ctxOf(w).env);
  // The newest backup of each file always survives.
  expect(live.some((r) => r.id === 'T3-0'), where).toBe(true);
  expect(live.some((r) => r.id === 'T5-0'), where).toBe(true);
};

describe('prune and compress under crashes', () => {
  it('never leave the index naming a missing or damaged backup, whatever call the crash follows', async () => {
    const probe = await setup('lose-unsynced', 0);
    await pruneBackups(ctxOf(probe.w), policy);
    const total = probe.w.calls - probe.base;
    expect(total).toBeGreaterThan(10);
    await check(probe.w, 'no crash');
    expect((await listAllBackupRecords(ctxOf(probe.w).env)).map((r) => [r.id, r.compressed])).toEqual([
      ['T5-0', false],
      ['T4-0', true],
      ['T3-0', false],
      ['T2-0', true],
    ]);

    let states = 0;
    for (const model of ['lose-unsynced', 'reorder', 'torn'] as const) {
      for (let n = 0; n <= total; n++) {
        for (const seed of [1, 2]) {
          const { w, base } = await setup(model, seed);
          w.crashAfter(base + n);
          await pruneBackups(ctxOf(w), policy).catch((e: unknown) => {
            if ((e as { code?: string }).code !== 'ECRASH') throw e;
          });
          const after = w.afterCrash({ model, seed });
          const where = `${model} seed ${seed}, crash after call ${n} of ${total}`;
          await check(after, where);
          // The next prune finishes the job; what it cannot account for is reported, never deleted.
          await pruneBackups(ctxOf(after), policy);
          await check(after, `${where}, then pruned again`);
          const left = (await verifyBackups(ctxOf(after))).problems.map((p) => p.path);
          for (const p of left) expect(p.endsWith('.gz') || p.endsWith('.bak') || isTempName(p), `${where}: ${p}`).toBe(true);
          expect((await listAllBackupRecords(ctxOf(after).env)).map((r) => r.id).sort(), where).toEqual(['T2-0', 'T3-0', 'T4-0', 'T5-0']);
          states += 1;
        }
      }
    }
    console.log(`backup crash states checked: ${states}`);
  });
});
