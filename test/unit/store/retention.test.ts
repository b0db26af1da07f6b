import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storedBytes } from '../../../src/backup/backupIndex.js';
import { backupKey, type BackupRecord } from '../../../src/journal/records/backupRecord.js';
import { planRetention, type RetentionPolicy } from '../../../src/store/retention.js';

const day = 86_400_000;
const now = 100 * day;

const rec = (p: string, id: string, createdAt: number, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  v: 1,
  id,
  path: p,
  file: `${p}-${id}.bak`,
  createdAt,
  size: 10_000,
  sha256: '0'.repeat(64),
  compressed: false,
  reason: 'replaced',
  ...extra,
});

const ids = (rs: readonly BackupRecord[]): string[] => rs.map((r) => r.id);
const key = (r: BackupRecord): string => backupKey(r.path, r.id);

/** Carries a plan out on the index model: removed records go, compressed ones shrink. */
const apply = (records: readonly BackupRecord[], plan: ReturnType<typeof planRetention>): BackupRecord[] => {
  const gone = new Set(plan.remove.map(key));
  const zip = new Set(plan.compress.map(key));
  return records
    .filter((r) => !gone.has(key(r)))
    .map((r) => (zip.has(key(r)) ? { ...r, compressed: true, storedSize: Math.floor(r.size / 3) } : r));
};

describe('planRetention', () => {
  it('keeps the newest N of each file and gzips all but the newest K', () => {
    const records = [1, 2, 3, 4, 5, 6, 7].map((n) => rec('a.txt', `a${n}`, n * day));
    const plan = planRetention(records, { keep: 5, compressAfter: 2 }, now);
    expect(ids(plan.remove)).toEqual(['a1', 'a2']);
    expect(ids(plan.compress)).toEqual(['a3', 'a4', 'a5']);
  });

  it('prunes a.txt without touching the backups of a-b.txt', () => {
    const records = [
      ...[1, 2, 3].map((n) => rec('a.txt', `a${n}`, n * day)),
      ...[1, 2, 3].map((n) => rec('a-b.txt', `ab${n}`, n * day)),
    ];
    const plan = planRetention(records, { keep: 5, compressAfter: 5 }, now);
    expect(plan).toEqual({ remove: [], compress: [] });
    const tight = planRetention(records, { keep: 1, compressAfter: 5 }, now);
    expect(ids(tight.remove).sort()).toEqual(['a1', 'a2', 'ab1', 'ab2']);
  });

  it('drops backups older than maxAgeDays, but never the newest of a file', () => {
    const records = [rec('a', 'old', 1 * day), rec('a', 'mid', 80 * day), rec('a', 'new', 95 * day), rec('gone', 'only', 2 * day)];
    const plan = planRetention(records, { keep: 10, maxAgeDays: 10, compressAfter: 10 }, now);
    expect(ids(plan.remove)).toEqual(['old', 'mid']);
  });

  it('frees the oldest backups across files until the store fits maxBytes', () => {
    const records = [rec('a', 'a1', 1), rec('b', 'b1', 2), rec('a', 'a2', 3), rec('b', 'b2', 4), rec('c', 'c1', 5)].map((r) => ({ ...r, size: 100 }));
    // 500 bytes stored; the newest of a, b and c (300 bytes) can never go.
    expect(ids(planRetention(records, { maxBytes: 400, compressAfter: 9 }, now).remove)).toEqual(['a1']);
    expect(ids(planRetention(records, { maxBytes: 300, compressAfter: 9 }, now).remove)).toEqual(['a1', 'b1']);
    expect(ids(planRetention(records, { maxBytes: 0, compressAfter: 9 }, now).remove)).toEqual(['a1', 'b1']);
  });

  it('counts a compressed backup by its size on disk', () => {
    const records = [rec('a', 'a1', 1, { compressed: true, storedSize: 10, size: 100 }), rec('a', 'a2', 2, { size: 100 })];
    expect(planRetention(records, { maxBytes: 110, compressAfter: 9 }, now).remove).toEqual([]);
  });

  it('never removes or compresses a backup of a transaction still running', () => {
    const records = [1, 2, 3, 4].map((n) => rec('a', `a${n}`, n, { txId: `T${n}` }));
    const plan = planRetention(records, { keep: 1, compressAfter: 0, maxBytes: 0, inUse: new Set(['T1', 'T3']) }, now);
    expect(ids(plan.remove)).toEqual(['a2']);
    expect(ids(plan.compress)).toEqual(['a4']);
  });

  it('leaves backups too small to gain anything from gzip uncompressed', () => {
    const records = [1, 2, 3, 4].map((n) => rec('a', `a${n}`, n, { size: [100, 4096, 4097, 9000][n - 1] ?? 0 }));
    expect(ids(planRetention(records, { compressAfter: 0 }, now).compress)).toEqual(['a3', 'a4']);
    expect(ids(planRetention(records, { compressAfter: 0, compressMinBytes: 0 }, now).compress)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('rejects a nonsensical policy', () => {
    expect(() => planRetention([], { keep: -1 }, now)).toThrow(TypeError);
    expect(() => planRetention([], { compressAfter: 1.5 }, now)).toThrow(TypeError);
  });

  describe('properties', () => {
    const arbRecords = fc
      .array(
        fc.record({
          path: fc.constantFrom('a.txt', 'a-b.txt', 'd/a.txt', 'z'),
          createdAt: fc.integer({ min: 0, max: 100 * day }),
          size: fc.integer({ min: 0, max: 1000 }),
          compressed: fc.boolean(),
          txId: fc.constantFrom('T1', 'T2', 'T3', 'T4'),
        }),
        { maxLength: 30 },
      )
      .map((rs) => rs.map((r, i) => rec(r.path, `id${String(i).padStart(3, '0')}`, r.createdAt, { size: r.size, compressed: r.compressed, txId: r.txId })));
    const arbPolicy: fc.Arbitrary<RetentionPolicy> = fc
      .record({
        keep: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
        maxAgeDays: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
        maxBytes: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        compressAfter: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        inUse: fc.subarray(['T1', 'T2', 'T3', 'T4']).map((xs) => new Set(xs)),
        compressMinBytes: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      })
      .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as RetentionPolicy);

    const newestOf = (records: readonly BackupRecord[]): Set<string> => {
      const best = new Map<string, BackupRecord>();
      for (const r of records) {
        const b = best.get(r.path);
        if (b === undefined || r.createdAt > b.createdAt || (r.createdAt === b.createdAt && r.id > b.id)) best.set(r.path, r);
      }
      return new Set([...best.values()].map(key));
    };

    it('never removes the newest backup of a file, nor touches a backup in use', () => {
      fc.assert(
        fc.property(arbRecords, arbPolicy, (records, policy) => {
          const plan = planRetention(records, policy, now);
          const newest = newestOf(records);
          for (const r of plan.remove) expect(newest.has(key(r))).toBe(false);
          for (const r of [...plan.remove, ...plan.compress]) expect(policy.inUse?.has(r.txId ?? '') ?? false).toBe(false);
          for (const r of plan.compress) expect(r.compressed).toBe(false);
          for (const r of plan.compress) expect(r.size).toBeGreaterThan(policy.compressMinBytes ?? 4096);
          const removed = new Set(plan.remove.map(key));
          for (const r of plan.compress) expect(removed.has(key(r))).toBe(false);
        }),
      );
    });

    it('respects keep: without age or size limits a file keeps exactly its newest max(keep, 1) plus those in use', () => {
      fc.assert(
        fc.property(arbRecords, arbPolicy, (records, p) => {
          const policy: RetentionPolicy = { ...(p.keep === undefined ? {} : { keep: p.keep }), ...(p.inUse === undefined ? {} : { inUse: p.inUse }) };
          const left = apply(records, planRetention(records, policy, now));
          const keep = Math.max(policy.keep ?? 5, 1);
          for (const file of new Set(records.map((r) => r.path))) {
            const all = records.filter((r) => r.path === file).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
            const expected = all.filter((r, i) => i < keep || (policy.inUse?.has(r.txId ?? '') ?? false));
            expect(left.filter((r) => r.path === file).map(key).sort()).toEqual(expected.map(key).sort());
          }
        }),
      );
    });

    it('honours the byte bound unless only newest or in-use backups remain', () => {
      fc.assert(
        fc.property(arbRecords, arbPolicy, (records, policy) => {
          fc.pre(policy.maxBytes !== undefined);
          const plan = planRetention(records, policy, now);
          const gone = new Set(plan.remove.map(key));
          const left = records.filter((r) => !gone.has(key(r)));
          const total = left.reduce((s, r) => s + storedBytes(r), 0);
          const newest = newestOf(records);
          const onlyProtected = left.every((r) => newest.has(key(r)) || (policy.inUse?.has(r.txId ?? '') ?? false));
          expect(total <= (policy.maxBytes ?? 0) || onlyProtected).toBe(true);
        }),
      );
    });

    it('is idempotent: planning again after carrying the plan out does nothing', () => {
      fc.assert(
        fc.property(arbRecords, arbPolicy, (records, policy) => {
          const once = apply(records, planRetention(records, policy, now));
          expect(planRetention(once, policy, now)).toEqual({ remove: [], compress: [] });
        }),
      );
    });
  });
});
