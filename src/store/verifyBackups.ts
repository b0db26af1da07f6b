/**
 * The integrity scan of the backup store: every indexed backup against its SHA-256, and every file in the
 * backup directory against the index. It reports; it never deletes.
 */
import * as path from 'node:path';
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import type { VerifyReport } from '../types.js';
import type { BackupContext } from '../backup/backupContext.js';
import { listAllBackupRecords, listBackupRecords } from '../backup/backupIndex.js';
import { type BackupRecord } from '../journal/records/backupRecord.js';
import { hashBackup } from '../backup/readBackup.js';

/** Options of `verifyBackups`. */
export interface VerifyBackupsOptions {
  /** Called after each indexed backup is checked. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Backups checked at once; default 4. */
  readonly concurrency?: number;
  /**
   * Files (relative to the backup directory) that belong to operations still under way — the backups of open
   * transactions, removals being finished — and are not reported as unindexed. A function is asked only when
   * some file looks unindexed, after the walk, so that operations begun during the scan count too.
   */
  readonly inFlight?: ReadonlySet<string> | (() => Promise<ReadonlySet<string>>);
}

type Problem = VerifyReport['problems'][number];

/** Every regular file below `dir`, relative to `root` with '/' separators; nothing when `dir` does not exist. */
const walk = async (fs: FileSystem, root: string, rel = ''): Promise<string[]> => {
  let names: string[];
  try {
    names = await fs.readdir(rel === '' ? root : path.join(root, rel));
  } catch (e) {
    if (hasCode(e, 'ENOENT') && rel === '') return [];
    throw e;
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    const child = rel === '' ? name : `${rel}/${name}`;
    const st = await fs.lstat(path.join(root, child));
    if (st.kind === 'directory') out.push(...(await walk(fs, root, child)));
    else out.push(child);
  }
  return out;
};

/** Whether `file` exists. Throws the OS error of a failed lstat other than ENOENT. */
const exists = async (fs: FileSystem, file: string): Promise<boolean> => {
  try {
    await fs.lstat(file);
    return true;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return false;
    throw e;
  }
};

/**
 * Checks one backup; undefined when it is sound. A file gone is looked up again first: retention may have gzipped
 * the backup (then the new file is checked) or removed it (then there is nothing to check) since the index was read.
 */
const check = async (ctx: BackupContext, rec: BackupRecord, { lookAgain = true }: { readonly lookAgain?: boolean } = {}): Promise<Problem | undefined> => {
  const file = path.join(ctx.backupDir, rec.file);
  const what = `the backup of ${rec.path} (${rec.id})`;
  try {
    const { sha256, size } = await hashBackup(ctx.env.fs, file, rec.compressed);
    if (sha256 === rec.sha256 && size === rec.size) {
      if (rec.damaged !== true) return undefined;
      return {
        path: file,
        kind: 'damaged',
        expected: rec.sha256,
        message: `${what} holds a damaged version: when it was taken, ${rec.path} did not hold what the store had written (corrupted, or changed behind its back); it is kept as it was, and a restore uses it only when named`,
      };
    }
    return {
      path: file,
      kind: 'corrupted',
      expected: rec.sha256,
      actual: sha256,
      message: `${what} is corrupted: expected ${rec.size} bytes with sha256 ${rec.sha256}, found ${size} bytes with sha256 ${sha256}`,
    };
  } catch (e) {
    if (hasCode(e, 'ENOENT')) {
      const now = lookAgain ? (await listBackupRecords(ctx.env, rec.path)).find((r) => r.id === rec.id) : rec;
      if (now === undefined) return undefined;
      if (now.file !== rec.file) return check(ctx, now, { lookAgain: false });
      return { path: file, kind: 'missing', expected: rec.sha256, message: `${what} is in the index but its file is gone` };
    }
    const reason = e instanceof Error ? e.message : String(e);
    return { path: file, kind: 'corrupted', expected: rec.sha256, message: `${what} cannot be read back: ${reason}` };
  }
};

/**
 * Verifies the backup store: each indexed backup is read back (gunzipped when compressed) and compared with its
 * SHA-256 and size (`corrupted`, or `missing` when its file is gone; an intact backup of a damaged version is
 * `damaged`, not counted as ok); each file in the backup directory that no
 * index entry names is reported as `unindexed` (a leftover of an interrupted operation) and left in place.
 * `checked` and `ok` count indexed backups.
 * @throws TxfsError EJOURNAL (an index entry cannot be decoded), EIO/EACCES while listing the backup directory.
 * @example const report = await verifyBackups(ctx, { onProgress: (d, t) => bar.update(d, { total: t }) });
 */
export const verifyBackups = async (ctx: BackupContext, options: VerifyBackupsOptions = {}): Promise<VerifyReport> => {
  const records = await listAllBackupRecords(ctx.env);
  const total = records.length;
  const found: Array<Problem | undefined> = new Array<Problem | undefined>(total);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const rec = records[i];
      if (rec === undefined) continue;
      found[i] = await check(ctx, rec);
      done += 1;
      options.onProgress?.(done, total);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, total));
  await Promise.all(Array.from({ length: workers }, worker));

  const problems: Problem[] = found.filter((p): p is Problem => p !== undefined);
  const indexed = new Set(records.map((r) => r.file));
  let strays = (await walk(ctx.env.fs, ctx.backupDir)).filter((rel) => !indexed.has(rel));
  if (strays.length > 0) {
    // Read the index again: a file may have been made and indexed (a gzip, a transaction's backup) during the scan.
    const now = new Set((await listAllBackupRecords(ctx.env)).map((r) => r.file));
    const inFlight = typeof options.inFlight === 'function' ? await options.inFlight() : options.inFlight;
    strays = strays.filter((rel) => !now.has(rel) && inFlight?.has(rel) !== true);
  }
  for (const rel of strays) {
    if (!(await exists(ctx.env.fs, path.join(ctx.backupDir, rel)))) continue; // removed meanwhile
    problems.push({
      path: path.join(ctx.backupDir, rel),
      kind: 'unindexed',
      message: `${rel} is in the backup directory but no index entry names it (left by an interrupted operation); it was left in place`,
    });
  }
  return { checked: total, ok: total - found.filter((p) => p !== undefined).length, problems };
};
