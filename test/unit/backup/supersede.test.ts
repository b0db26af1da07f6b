import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENT_ID_SUFFIX } from '../../../src/backup/backupIndex.js';
import { currentRecordOf, supersedeCurrent, type IndexChanges } from '../../../src/backup/supersede.js';
import { backupKey, type BackupRecord } from '../../../src/journal/records/backupRecord.js';
import type { OpRecord, TxRecord } from '../../../src/journal/records/txRecord.js';

const sha = (n: number): string => n.toString(16).padStart(64, '0');
const content = (n: number): { sha256: string; size: number } => ({ sha256: sha(n), size: n });

const currentCopy = (p: string, n: number, txId = 'OLD'): BackupRecord => ({
  v: 1, id: `${txId}-${p}${CURRENT_ID_SUFFIX}`, path: p, file: `${p}-copy.bak`, createdAt: 1, size: n, sha256: sha(n), compressed: false, reason: 'current', txId,
});

const txOf = (ops: OpRecord[]): TxRecord => ({ v: 1, id: 'T2', state: 'committed', startedAt: 10, finishedAt: 20, pid: 1, ops });

/** The index after `changes`, as `commitWrites` applies them. */
const applied = (index: readonly BackupRecord[], c: IndexChanges): BackupRecord[] => {
  const m = new Map(index.map((r) => [backupKey(r.path, r.id), r]));
  for (const r of [...c.rekey, ...c.discard]) m.delete(backupKey(r.path, r.id));
  for (const r of c.put) m.set(backupKey(r.path, r.id), r);
  return [...m.values()];
};
const currentsIn = (index: readonly BackupRecord[]) => (rel: string): BackupRecord[] => index.filter((r) => r.path === rel && r.reason === 'current');

describe('supersedeCurrent', () => {
  it('drops the old copy when the replaced version is kept intact, keeps it as a backup when that backup is damaged', () => {
    const old = currentCopy('a.txt', 1);
    const write = (backupDamaged: boolean): OpRecord => ({
      kind: 'write', target: 'a.txt', existed: true, keepBackup: true, backup: 'a-b.bak', backupContent: content(1), staged: content(2), current: 'a-c.bak',
      ...(backupDamaged ? { backupDamaged } : {}),
    });
    const intact = supersedeCurrent(txOf([write(false)]), () => [old]);
    expect(intact.discard).toEqual([old]);
    expect(intact.put.map((r) => [r.reason, r.sha256])).toEqual([['current', sha(2)]]);
    const damaged = supersedeCurrent(txOf([{ ...write(true), backupContent: content(9) }]), () => [old]);
    expect(damaged.discard).toEqual([]);
    expect(damaged.put.map((r) => [r.id, r.reason, r.sha256, r.txId])).toEqual([
      ['T2-0-current', 'current', sha(2), 'T2'],
      [old.id, 'replaced', sha(1), 'T2'],
    ]);
  });

  it('leaves a copy current when the file keeps its content, and moves it with a rename', () => {
    const old = currentCopy('a.txt', 1);
    const rewrite: OpRecord = { kind: 'write', target: 'a.txt', existed: true, keepBackup: true, backupContent: content(7), backupDamaged: true, staged: content(1) };
    expect(supersedeCurrent(txOf([rewrite]), () => [old]).put).toEqual([{ ...old, txId: 'T2' }]);
    const rename: OpRecord = { kind: 'rename', target: 'b.txt', source: 'a.txt', existed: false, keepBackup: true, staged: content(1) };
    const moved = supersedeCurrent(txOf([rename]), (rel) => (rel === 'a.txt' ? [old] : []));
    expect(moved.rekey).toEqual([old]);
    expect(moved.put).toEqual([{ ...old, path: 'b.txt', txId: 'T2' }]);
  });

  it('is idempotent, leaves at most one current copy per file, and drops a copy only where its content is kept', () => {
    const paths = ['a.txt', 'b.txt', 'c.txt'];
    const op = fc.record({
      kind: fc.constantFrom('write', 'copy', 'rename', 'delete'),
      target: fc.constantFrom(...paths),
      source: fc.constantFrom(...paths),
      staged: fc.integer({ min: 1, max: 3 }),
      backup: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      backupDamaged: fc.boolean(),
      keepBackup: fc.boolean(),
      current: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 4 }),
        fc.array(fc.tuple(fc.constantFrom(...paths), fc.integer({ min: 1, max: 3 })), { maxLength: 3 }),
        (ops, olds) => {
          const used = new Set<string>();
          const recs: OpRecord[] = ops.flatMap((o, i): OpRecord[] => {
            const touched = o.kind === 'rename' ? [o.target, o.source] : [o.target];
            if (touched.some((p) => used.has(p)) || (o.kind === 'rename' && o.source === o.target)) return [];
            for (const p of touched) used.add(p);
            return [{
              kind: o.kind, target: o.target, existed: o.backup !== undefined, keepBackup: o.keepBackup,
              ...(o.kind === 'rename' ? { source: o.source } : {}),
              ...(o.kind === 'delete' ? {} : { staged: content(o.staged) }),
              ...(o.backup === undefined ? {} : { backup: `b${i}.bak`, backupContent: content(o.backup), ...(o.backupDamaged ? { backupDamaged: true } : {}) }),
              ...(o.current && o.kind !== 'delete' ? { current: `c${i}.bak` } : {}),
            }];
          });
          const index = [...new Map(olds.map(([p, n]) => [p, currentCopy(p, n)])).values()];
          const rec = txOf(recs);
          const once = applied(index, supersedeCurrent(rec, currentsIn(index)));
          const twice = applied(once, supersedeCurrent(rec, currentsIn(once)));
          const sorted = (rs: BackupRecord[]): BackupRecord[] => [...rs].sort((x, y) => backupKey(x.path, x.id).localeCompare(backupKey(y.path, y.id)));
          expect(sorted(twice)).toEqual(sorted(once));
          for (const p of paths) expect(once.filter((r) => r.path === p && r.reason === 'current').length).toBeLessThanOrEqual(1);
          // A dropped copy's content is still kept: by a new current copy, by the intact backup of the version it was,
          // or the transaction asked for no backups.
          const dropped = supersedeCurrent(rec, currentsIn(index)).discard;
          for (const d of dropped) {
            const byCopy = once.some((r) => r.reason === 'current' && r.sha256 === d.sha256);
            const byBackup = recs.some((o) => o.target === d.path && o.keepBackup === true && o.backupDamaged !== true && o.backupContent?.sha256 === d.sha256);
            const noBackups = recs.some((o) => o.target === d.path && o.keepBackup !== true);
            expect(byCopy || byBackup || noBackups).toBe(true);
          }
          // Every copy the transaction made is indexed as current.
          for (const [i, o] of recs.entries()) {
            const made = currentRecordOf(rec, o, i);
            if (made !== undefined) expect(once).toContainEqual(made);
          }
        },
      ),
    );
  });
});
