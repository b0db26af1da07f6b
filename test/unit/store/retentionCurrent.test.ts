import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backupKey, type BackupRecord } from '../../../src/journal/records/backupRecord.js';
import { planRetention } from '../../../src/store/retention.js';

const day = 86_400_000;
const rec = (id: string, createdAt: number, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  v: 1, id, path: 'a.txt', file: `a-${id}.bak`, createdAt, size: 10_000, sha256: '0'.repeat(64), compressed: false, reason: 'replaced', ...extra,
});
const key = (r: BackupRecord): string => backupKey(r.path, r.id);

describe('planRetention with kept copies of current versions and damaged backups', () => {
  it('never removes or compresses the current copy, and counts it toward maxBytes', () => {
    const current = rec('c', 10 * day, { reason: 'current' });
    const older = [1, 2, 3].map((n) => rec(`b${n}`, n * day));
    const plan = planRetention([current, ...older], { keep: 3, compressAfter: 0, maxBytes: 25_000 }, 100 * day);
    expect(plan.remove.map((r) => r.id)).toEqual(['b1', 'b2']);
    expect(plan.compress.map((r) => r.id)).toEqual(['b3']);
  });

  it('keeps the newest backup that is not damaged, whatever keep, maxAgeDays and maxBytes say', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: undefined }),
        (damaged, keep, maxAgeDays, maxBytes) => {
          const records = damaged.map((d, i) => rec(`r${i}`, (i + 1) * day, d ? { damaged: true } : {}));
          const plan = planRetention(records, { keep, ...(maxAgeDays === undefined ? {} : { maxAgeDays }), ...(maxBytes === undefined ? {} : { maxBytes }) }, 20 * day);
          const gone = new Set(plan.remove.map(key));
          const newestIntact = [...records].reverse().find((r) => r.damaged !== true);
          if (newestIntact !== undefined) expect(gone.has(key(newestIntact))).toBe(false);
          expect(gone.has(key(records[records.length - 1] as BackupRecord))).toBe(false);
        },
      ),
    );
  });
});
