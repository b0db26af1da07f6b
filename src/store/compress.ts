/**
 * Gzipping an old backup, crash-safely: the index never names a file that is not complete and durable on disk,
 * and no interrupted compression leaves litter. Order: durable `backup-gc/` records name the temp and the `.gz`
 * file; stage the gzip in the temp (O_EXCL, fdatasync), rename it to `.gz`, fsync the directory; switch the index
 * entry to the `.gz` and, in the same journal transaction, swap the `.gz` record for one naming the original
 * (durably); unlink the original. Whatever a crash interrupts, the records name it, and the next open or prune
 * removes it (never a file the index names).
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { TxfsError, fromOsError, hasCode } from '../errors.js';
import { decodeRecordIfPresent } from '../journal/envelope.js';
import { stageFile } from '../ops/stageFile.js';
import { tempName } from '../ops/tempName.js';
import type { BackupContext } from '../backup/backupContext.js';
import { indexBackup, listBackupRecords } from '../backup/backupIndex.js';
import { BackupRecord, backupKey } from '../journal/records/backupRecord.js';
import { recordPendingRemoval, unlinkPending } from '../backup/pendingRemoval.js';
import { pendingKey } from '../journal/records/backupRecord.js';
import { BACKUP_CHUNK } from '../backup/readBackup.js';
import { unlinkIfPresent } from '../fs/unlinkIfPresent.js';

/** The original bytes of an uncompressed backup, checked against the index on the way through. */
async function* verifiedSource(ctx: BackupContext, rec: BackupRecord, file: string): AsyncGenerator<Uint8Array, void, undefined> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of ctx.env.fs.readStream(file, { chunkSize: BACKUP_CHUNK })) {
    hash.update(chunk);
    size += chunk.byteLength;
    yield chunk;
  }
  const actual = hash.digest('hex');
  if (actual !== rec.sha256 || size !== rec.size) {
    throw new TxfsError('EINTEGRITY', `EINTEGRITY: the backup of ${rec.path} (${rec.id}) is corrupted (sha256 ${actual}, expected ${rec.sha256}); not compressing it`, {
      path: file,
    });
  }
}

/** A backup gzipped into its final `.gz` name, not yet switched in the index. */
interface Staged {
  readonly rec: BackupRecord;
  readonly pendingGz: BackupRecord;
  readonly pendingOriginal: BackupRecord;
  readonly next: BackupRecord;
  readonly file: string;
  readonly gzAbs: string;
}

/** Stages the gzip of `rec` (verified on the way, fdatasynced) and renames it to its final `.gz` name. */
const stageGzip = async (ctx: BackupContext, rec: BackupRecord, { temp, pendingGz, pendingOriginal }: Planned): Promise<Staged> => {
  if (rec.compressed) throw new TypeError(`compressBackup: backup ${rec.id} is already compressed`);
  const { fs } = ctx.env;
  const file = path.join(ctx.backupDir, rec.file);
  const gzFile = `${rec.file}.gz`;
  const gzAbs = path.join(ctx.backupDir, gzFile);
  const st = await fs.stat(file);
  const gzipped = pipeline(Readable.from(verifiedSource(ctx, rec, file)), createGzip(), () => undefined);
  let size: number;
  try {
    ({ size } = await stageFile(fs, temp, gzipped as AsyncIterable<Uint8Array>, { mode: st.mode & 0o7777 }));
  } finally {
    gzipped.destroy();
  }
  try {
    await fs.rename(temp, gzAbs);
  } catch (e) {
    await unlinkIfPresent(ctx.env.fs, temp).catch(() => undefined);
    throw fromOsError(e, temp, 'rename');
  }
  return { rec, pendingGz, pendingOriginal, file, gzAbs, next: { ...rec, file: gzFile, compressed: true, storedSize: size } };
};

/** The files a compression may leave behind if interrupted, each named by a pending-removal record before it exists. */
interface Planned {
  readonly temp: string;
  /** Names the temp file. */
  readonly pendingTemp: BackupRecord;
  /** Names the `.gz` file, until the index switches to it (in the same journal transaction that drops this record). */
  readonly pendingGz: BackupRecord;
  /** Names the uncompressed original, from the index switch (same journal transaction) until it is unlinked. */
  readonly pendingOriginal: BackupRecord;
}

/** A fresh temp name per attempt (a temp left by a crashed attempt never blocks the next one) and its records. */
const planCompression = (ctx: BackupContext, rec: BackupRecord): Planned => {
  const id = ctx.env.newId().replace(/[./]/g, '_');
  const temp = tempName(path.join(ctx.backupDir, `${rec.file}.gz`), id, 0);
  const rel = (abs: string): string => path.relative(ctx.backupDir, abs).split(path.sep).join('/');
  return {
    temp,
    pendingTemp: { ...rec, id: `${rec.id}~gz~${id}~tmp`, file: rel(temp) },
    pendingGz: { ...rec, id: `${rec.id}~gz~${id}`, file: `${rec.file}.gz` },
    pendingOriginal: { ...rec, id: `${rec.id}~gz~${id}~original` },
  };
};

/** Runs `jobs` at most `width` at a time, settling every one. */
const settleLimited = async <A>(jobs: ReadonlyArray<() => Promise<A>>, width: number): Promise<Array<PromiseSettledResult<A>>> => {
  const out: Array<PromiseSettledResult<A>> = new Array<PromiseSettledResult<A>>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      if (job === undefined) continue;
      out[i] = await job().then(
        (value): PromiseFulfilledResult<A> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
};

/** What a batch compression did. */
export interface CompressResult {
  /** The updated index records of the backups now gzipped. */
  readonly compressed: BackupRecord[];
  /** Backups removed or compressed by someone else meanwhile: nothing to do. */
  readonly skipped: BackupRecord[];
  /** Backups still indexed whose file is gone (`verify` reports them as missing): left as they are. */
  readonly missing: BackupRecord[];
}

/**
 * Gzips the backups `recs` as one batch: each is staged (verified against its SHA-256 on the way, fdatasynced) and
 * renamed to `<file>.gz`; their directories are fsynced once; the index is switched in one journal transaction
 * made durable; only then are the originals unlinked. A backup whose staging fails is left as it was (no temp
 * left); the others still complete, then the first failure is thrown — except for a backup whose file is gone,
 * which is returned in `missing` (there is nothing to compress, and verification reports it).
 * @throws TxfsError EINTEGRITY (a backup is already corrupted), ENOSPC, EIO, EJOURNAL … ; TypeError for a backup
 *   that is already compressed.
 */
export const compressBackups = async (ctx: BackupContext, recs: readonly BackupRecord[]): Promise<CompressResult> => {
  const { journal } = ctx.env;
  const plans = recs.map((rec) => planCompression(ctx, rec));
  if (plans.length === 0) return { compressed: [], skipped: [], missing: [] };
  // Every file a compression creates is named durably before it exists (DESIGN: recovery removes only what the
  // journal names); a crash leaves records that the next open or prune completes.
  await journal.transact((txn) => {
    for (const p of plans) {
      recordPendingRemoval(txn, p.pendingTemp);
      recordPendingRemoval(txn, p.pendingGz);
    }
  });
  await journal.flush();
  try {
    return await compressStaged(ctx, recs, plans);
  } finally {
    // unlinkPending removes only what a record still names and no index entry names.
    await unlinkPending(ctx, plans.flatMap((p) => [p.pendingTemp, p.pendingGz, p.pendingOriginal]));
  }
};

/** Stages every gzip, switches the index to those staged, then unlinks the originals. */
const compressStaged = async (ctx: BackupContext, recs: readonly BackupRecord[], plans: readonly Planned[]): Promise<CompressResult> => {
  const { fs, journal } = ctx.env;
  const settled = await settleLimited(recs.map((rec, i) => () => stageGzip(ctx, rec, plans[i] as Planned)), 4);
  const staged: Staged[] = [];
  const skipped: BackupRecord[] = [];
  const missing: BackupRecord[] = [];
  let failure: unknown;
  for (const [i, s] of settled.entries()) {
    const rec = recs[i];
    if (s.status === 'fulfilled') staged.push(s.value);
    else if (rec !== undefined && hasCode(s.reason, 'ENOENT')) {
      // Gone from the index meanwhile: nothing to do. Still indexed: the file is lost, which `verify` reports as
      // missing; failing here would only make every later retention run fail on it, and stop the rest.
      if (await isIndexedAs(ctx, rec)) missing.push(rec);
      else skipped.push(rec);
    } else failure ??= s.reason;
  }
  const compressed: BackupRecord[] = [];
  if (staged.length > 0) {
    await Promise.all([...new Set(staged.map((s) => path.dirname(s.gzAbs)))].map((d) => fs.syncDir(d)));
    const outcomes = await journal.transact((txn) =>
      staged.map((s): 'switched' | 'gone' | 'changed' => {
        const key = backupKey(s.rec.path, s.rec.id);
        const current = decodeRecordIfPresent(key, txn.get(key), BackupRecord);
        if (current === undefined) return 'gone';
        // Switched here, or by someone else to the same `.gz` name: the index names that file, so it must stay.
        txn.remove(pendingKey(s.pendingGz));
        if (current.file !== s.rec.file) return 'changed';
        indexBackup(txn, s.next);
        recordPendingRemoval(txn, s.pendingOriginal);
        return 'switched';
      }),
    );
    // The old files may go only once the index naming the .gz files is on disk.
    if (outcomes.includes('switched')) await journal.flush();
    await Promise.all(
      staged.map(async (s, i) => {
        const outcome = outcomes[i];
        if (outcome === 'switched') {
          await unlinkIfPresent(ctx.env.fs, s.file);
          compressed.push(s.next);
        } else {
          // Removed while we compressed: the .gz is nobody's. Compressed by someone else meanwhile: the .gz is
          // theirs (the same bytes, now ours through the rename) and the index names it, so it stays.
          if (outcome === 'gone') await unlinkIfPresent(ctx.env.fs, s.gzAbs);
          skipped.push(s.rec);
        }
      }),
    );
  }
  if (failure !== undefined) throw failure;
  return { compressed, skipped, missing };
};

/** True when the index still names `rec` with its (uncompressed) file. */
const isIndexedAs = async (ctx: BackupContext, rec: BackupRecord): Promise<boolean> =>
  (await listBackupRecords(ctx.env, rec.path)).some((r) => r.id === rec.id && r.file === rec.file);

/**
 * Gzips the backup `rec` and returns its updated index record (`compressed`, `file` ending in `.gz`, `storedSize`).
 * Its content is verified against the index while it is compressed. On failure the original backup and its index
 * entry are untouched and no temp file is left.
 * @throws TxfsError EINTEGRITY (the backup is already corrupted), ENOENT (the backup file, or its index entry, is gone,
 *   or it was compressed meanwhile), EJOURNAL, ENOSPC, EIO … ; TypeError when `rec` is already compressed.
 * @example const zipped = await compressBackup(ctx, record);
 */
export const compressBackup = async (ctx: BackupContext, rec: BackupRecord): Promise<BackupRecord> => {
  const { compressed, missing } = await compressBackups(ctx, [rec]);
  const next = compressed[0];
  if (next !== undefined) return next;
  if (missing.length > 0) {
    throw new TxfsError('ENOENT', `ENOENT: the file of the backup of ${rec.path} (${rec.id}) is gone; nothing to compress`, { path: path.join(ctx.backupDir, rec.file) });
  }
  throw new TxfsError('ENOENT', `ENOENT: the backup of ${rec.path} (${rec.id}) was removed or compressed by someone else while it was being compressed`, {
    path: path.join(ctx.backupDir, rec.file),
  });
};
