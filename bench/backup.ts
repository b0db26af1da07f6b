/**
 * What the backup store costs, on a real temp directory, modes alternating within each round, medians printed:
 * - preserving a replaced 100 MiB file by hard link (`preserveFile`) vs copying it (`fs.copyFile`);
 * - restoring a 100 MiB backup (`readBackup`, SHA-256 checked, staged into a temp file) vs `fs.copyFile`,
 *   plain and gzipped;
 * - gzip compression of a 100 MiB backup (`compressBackup`: verified, fsynced, index switched) in MiB/s.
 * Ratios are medians of per-round ratios. Results go to bench/results/backup.json.
 * Run: npx tsx bench/backup.ts
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackupContext } from '../src/backup/backupContext.js';
import { preserveFile } from '../src/backup/backupFile.js';
import { indexBackup, toBackupEntry } from '../src/backup/backupIndex.js';
import { type BackupRecord } from '../src/journal/records/backupRecord.js';
import { compressBackup } from '../src/store/compress.js';
import { readBackup } from '../src/backup/readBackup.js';
import { nodeFileSystem } from '../src/fs/node.js';
import { openLmdbJournal } from '../src/journal/lmdb.js';
import { stageFile } from '../src/ops/stageFile.js';
import { median } from './lib/stats.js';

const MiB = 1024 * 1024;
const size = 100 * MiB;

/** CSV-like text (compresses about as well as an export does), with random digits so it is not trivially repetitive. */
const exportLike = (bytes: number): Buffer => {
  const out = Buffer.alloc(bytes);
  const digits = randomBytes(bytes / 8);
  let o = 0;
  let d = 0;
  while (o < bytes) {
    const line = `row,${digits[d++ % digits.length] ?? 0},${digits[d++ % digits.length] ?? 0},customer name ${d % 977},2026-11-25,ok\n`;
    o += out.write(line, o);
  }
  return out;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-bench-'));
const backupDir = path.join(dir, 'backups');
fs.mkdirSync(backupDir);
const journal = await openLmdbJournal(path.join(dir, 'journal'));
let ids = 0;
const ctx: BackupContext = { backupDir, env: { fs: nodeFileSystem, journal, now: () => Date.now(), newId: () => `B${++ids}` } };

const t = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};

try {
  const source = path.join(dir, 'export.csv');
  const content = exportLike(size);
  fs.writeFileSync(source, content);
  const sha256 = createHash('sha256').update(content).digest('hex');

  // The backups read back below: one plain (a hard link), one gzipped.
  const rec: BackupRecord = {
    v: 1, id: 'R1', path: 'export.csv', file: 'export-R1.csv.bak', createdAt: Date.now(), size, sha256, compressed: false, reason: 'replaced',
  };
  await preserveFile(nodeFileSystem, source, path.join(backupDir, rec.file));
  await journal.transact((txn) => indexBackup(txn, rec));
  const gzip: number[] = [];
  let zipped: BackupRecord = rec;
  const compressOnce = async (r: number): Promise<number> => {
    const one: BackupRecord = { ...rec, id: `Z${r}`, file: `export-Z${r}.csv.bak` };
    await preserveFile(nodeFileSystem, source, path.join(backupDir, one.file));
    await journal.transact((txn) => indexBackup(txn, one));
    return t(async () => {
      zipped = await compressBackup(ctx, one);
    });
  };
  gzip.push(await compressOnce(0));

  const restore = async (r: BackupRecord, n: number): Promise<number> => {
    const temp = path.join(dir, `.export.csv.R${n}.0.txfs-tmp`);
    const ms = await t(() => stageFile(nodeFileSystem, temp, readBackup(nodeFileSystem, toBackupEntry(r, backupDir)), { mode: 0o644, sync: false }));
    fs.rmSync(temp);
    return ms;
  };
  const timedCopy = async (from: string, n: number): Promise<number> => {
    const to = path.join(dir, `copy${n}`);
    const ms = await t(() => fs.promises.copyFile(from, to));
    fs.rmSync(to);
    return ms;
  };

  // Every mode once per round, alternating, so that the load of the machine weighs on all of them alike.
  const link: number[] = [];
  const copy: number[] = [];
  const restorePlain: number[] = [];
  const copyAgain: number[] = [];
  const restoreGz: number[] = [];
  const rounds = 8;
  for (let r = 0; r < rounds; r++) {
    const a = path.join(backupDir, 'sub', `l${r}.bak`);
    link.push(await t(() => preserveFile(nodeFileSystem, source, a)));
    fs.rmSync(a);
    copy.push(await timedCopy(source, r));
    restorePlain.push(await restore(rec, r));
    copyAgain.push(await timedCopy(path.join(backupDir, rec.file), r));
    restoreGz.push(await restore(zipped, 100 + r));
    if (r % 4 === 3) gzip.push(await compressOnce(r));
  }
  const ratio = (xs: readonly number[], ys: readonly number[]): number => median(xs.map((x, i) => x / (ys[i] ?? NaN)));

  const results = {
    fileMiB: size / MiB,
    preserveByLinkMs: median(link),
    copyFileMs: median(copy),
    copyOverLink: ratio(copy, link),
    restoreVerifiedMs: median(restorePlain),
    restoreCopyFileMs: median(copyAgain),
    restoreOverCopyFile: ratio(restorePlain, copyAgain),
    gzipMs: median(gzip),
    gzipMiBps: size / MiB / (median(gzip) / 1000),
    gzipRatio: (zipped.storedSize ?? size) / size,
    restoreFromGzipMs: median(restoreGz),
    restoreFromGzipOverCopyFile: ratio(restoreGz, copyAgain),
    rounds: { preserve: link.length, restore: restorePlain.length, gzip: gzip.length },
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(`backup of a replaced ${size / MiB} MiB file: preserveFile (hard link) ${results.preserveByLinkMs.toFixed(3)} ms vs fs.copyFile ${results.copyFileMs.toFixed(1)} ms (copy/link ${results.copyOverLink.toFixed(0)}×)`);
  console.log(`restore of a ${size / MiB} MiB backup, sha256 checked, staged: ${results.restoreVerifiedMs.toFixed(1)} ms vs fs.copyFile ${results.restoreCopyFileMs.toFixed(1)} ms (ratio ${results.restoreOverCopyFile.toFixed(2)})`);
  console.log(`gzip of a ${size / MiB} MiB backup: ${results.gzipMs.toFixed(0)} ms, ${results.gzipMiBps.toFixed(1)} MiB/s, stored at ${(results.gzipRatio * 100).toFixed(1)}% of its size`);
  console.log(`restore from the gzip: ${results.restoreFromGzipMs.toFixed(1)} ms (ratio to fs.copyFile ${results.restoreFromGzipOverCopyFile.toFixed(2)})`);
  fs.mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(import.meta.dirname, 'results', 'backup.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await journal.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
