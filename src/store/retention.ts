/**
 * The retention policy as a pure decision: given the backup index, which backups to delete and which
 * to gzip. No I/O here; `prune.ts` and `compress.ts` carry the plan out.
 */
import type { BackupPolicy } from '../types.js';
import { newestFirst, storedBytes } from '../backup/backupIndex.js';
import { backupKey, type BackupRecord } from '../journal/records/backupRecord.js';

/** What retention needs to know: the policy, and the transactions still running (their backups are off limits). */
export interface RetentionPolicy extends Pick<BackupPolicy, 'keep' | 'maxAgeDays' | 'maxBytes' | 'compressAfter'> {
  /** Ids of transactions in progress: a backup they made may still be needed to roll them back. */
  readonly inUse?: ReadonlySet<string>;
  /** Backups of at most this many bytes stay uncompressed; default 4096 (one filesystem block: gzip would free nothing). */
  readonly compressMinBytes?: number;
}

/** What retention would do. */
export interface RetentionPlan {
  readonly remove: BackupRecord[];
  readonly compress: BackupRecord[];
}

/** Default number of backups kept per file. */
export const DEFAULT_KEEP = 5;
/** Default number of newest backups per file left uncompressed. */
export const DEFAULT_COMPRESS_AFTER = 2;
/** Default size up to which a backup is not worth compressing: it takes one block on disk either way. */
export const DEFAULT_COMPRESS_MIN_BYTES = 4096;

const dayMs = 24 * 60 * 60 * 1000;

const oldestFirst = (a: BackupRecord, b: BackupRecord): number => newestFirst(b, a);

/** Groups records by the file they back up, each group newest first. */
const byFile = (records: readonly BackupRecord[]): BackupRecord[][] => {
  const groups = new Map<string, BackupRecord[]>();
  for (const r of records) {
    const g = groups.get(r.path);
    if (g === undefined) groups.set(r.path, [r]);
    else g.push(r);
  }
  return [...groups.values()].map((g) => g.sort(newestFirst));
};

/**
 * Plans retention over `records` (the whole index) at time `now`:
 * - keeps the newest `keep` (default 5) backups of each file and removes the older ones;
 * - removes backups older than `maxAgeDays`;
 * - while the store exceeds `maxBytes`, removes the oldest remaining backups across all files;
 * - gzips all but the newest `compressAfter` (default 2) surviving backups of each file, those of at least
 *   more than `compressMinBytes` (default 4096) bytes.
 * It never removes the newest backup of a file (the only copy of a deleted file, or the undo of the last change), nor
 * the newest one that is not `damaged` (the version a default restore brings back), and never removes or compresses a
 * backup whose transaction is in `inUse`, nor the kept copy of a file's current version (`reason: 'current'`: it is
 * outside retention while current, though it counts toward `maxBytes`). Pure; throws nothing for valid input;
 * a negative or non-integer count is a `TypeError`.
 * @example planRetention(await listAllBackupRecords(env), { keep: 3, maxBytes: 1e9 }, Date.now())
 */
export const planRetention = (records: readonly BackupRecord[], policy: RetentionPolicy, now: number): RetentionPlan => {
  const keep = policy.keep ?? DEFAULT_KEEP;
  const compressAfter = policy.compressAfter ?? DEFAULT_COMPRESS_AFTER;
  for (const [name, n] of [['keep', keep], ['compressAfter', compressAfter]] as const) {
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`planRetention: ${name} must be a non-negative integer, got ${n}`);
  }
  const minBytes = policy.compressMinBytes ?? DEFAULT_COMPRESS_MIN_BYTES;
  const inUse = policy.inUse ?? new Set<string>();
  const pinned = (r: BackupRecord): boolean => r.txId !== undefined && inUse.has(r.txId);
  const cutoff = policy.maxAgeDays === undefined ? undefined : now - policy.maxAgeDays * dayMs;

  const groups = byFile(records.filter((r) => r.reason !== 'current'));
  const removed = new Set<string>();
  const candidates: BackupRecord[] = [];
  for (const group of groups) {
    const newestIntact = group.find((r) => r.damaged !== true);
    group.forEach((r, i) => {
      if (i === 0 || r === newestIntact || pinned(r)) return;
      if (i >= keep || (cutoff !== undefined && r.createdAt < cutoff)) removed.add(backupKey(r.path, r.id));
      else candidates.push(r);
    });
  }

  if (policy.maxBytes !== undefined) {
    let total = 0;
    for (const r of records) if (!removed.has(backupKey(r.path, r.id))) total += storedBytes(r);
    for (const r of candidates.sort(oldestFirst)) {
      if (total <= policy.maxBytes) break;
      removed.add(backupKey(r.path, r.id));
      total -= storedBytes(r);
    }
  }

  const remove: BackupRecord[] = [];
  const compress: BackupRecord[] = [];
  for (const group of groups) {
    let position = 0;
    for (const r of group) {
      if (removed.has(backupKey(r.path, r.id))) {
        remove.push(r);
        continue;
      }
      if (position >= compressAfter && !r.compressed && !pinned(r) && r.size > minBytes) compress.push(r);
      position += 1;
    }
  }
  return { remove: remove.sort(oldestFirst), compress: compress.sort(oldestFirst) };
};
