import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRecovery, type OpObservation, type Step } from '../../../src/recovery/plan.js';
import type { OpRecord, TxRecord } from '../../../src/journal/records/txRecord.js';

const content = fc.record({ sha256: fc.stringMatching(/^[0-9a-f]{64}$/), size: fc.nat(1000) });

/** A journalled operation on target `t<i>` (source `s<i>`), shaped as the commit protocol writes it. */
const opRecord = (i: number): fc.Arbitrary<OpRecord> =>
  fc.record({ kind: fc.constantFrom('write', 'copy', 'rename', 'delete', 'mkdir' as const), existed: fc.boolean(), skipped: fc.boolean(), keepBackup: fc.boolean(), staged: content, backupContent: content }).map(
    ({ kind, existed, skipped, keepBackup, staged, backupContent }): OpRecord => {
      const puts = kind === 'write' || kind === 'copy' || kind === 'rename';
      const made = kind === 'delete' || (puts && existed);
      return {
        kind,
        target: `t${i}`,
        existed: kind === 'delete' ? true : existed,
        keepBackup,
        ...(skipped ? { skipped } : {}),
        ...(kind === 'copy' || kind === 'rename' ? { source: `s${i}` } : {}),
        ...(puts ? { temp: `.t${i}.X.${i}.txfs-tmp`, staged } : {}),
        ...(kind === 'mkdir' ? {} : { backup: `t${i}-X.bak` }),
        ...(made && !skipped ? { backupContent } : {}),
        ...(kind === 'rename' ? { sourceBackup: `s${i}-X.bak` } : {}),
      };
    },
  );

const record = (state: TxRecord['state']): fc.Arbitrary<TxRecord> =>
  fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => opRecord(i)), fc.boolean()).map((xs) => {
      const rollBack = xs.pop() as boolean;
      return { v: 1 as const, id: 'X', state, startedAt: 0, pid: 1, ops: xs as OpRecord[], ...(rollBack && state === 'committing' ? { rollBack } : {}) };
    }),
  );

const observation: fc.Arbitrary<OpObservation> = fc.record({ tempValid: fc.boolean(), targetIsNew: fc.boolean(), backupPresent: fc.boolean(), sourceBackupPresent: fc.boolean(), dirPresent: fc.boolean() });
const withObs = (state: TxRecord['state']): fc.Arbitrary<[TxRecord, OpObservation[]]> =>
  record(state).chain((rec) => fc.tuple(fc.constant(rec), fc.array(observation, { minLength: rec.ops.length, maxLength: rec.ops.length })));

const key = (s: Step): string => JSON.stringify(s);
const tempsOf = (rec: TxRecord): string[] => rec.ops.flatMap((op) => (op.temp === undefined ? [] : [op.temp]));

describe('planRecovery', () => {
  it('rolls back a staging transaction: removes exactly its temps, backups and new directories, touches no target', () => {
    fc.assert(
      fc.property(record('staging'), (rec) => {
        const plan = planRecovery(rec, []);
        expect(plan.outcome).toBe('rolled-back');
        const named = new Set(rec.ops.flatMap((op) => [op.temp, op.backup, op.sourceBackup]).filter((x) => x !== undefined));
        for (const s of plan.steps) {
          expect(['unlink', 'rmdir']).toContain(s.kind);
          if (s.kind === 'unlink') expect(named.has(s.path.rel)).toBe(true);
          if (s.kind === 'rmdir') expect(rec.ops.some((op) => op.kind === 'mkdir' && !op.existed && op.target === s.path.rel)).toBe(true);
        }
        expect(plan.steps.filter((s) => s.kind === 'unlink').length).toBe(named.size);
      }),
    );
  });

  it('rolls a committing transaction forward when every staged file is still there or already in place', () => {
    fc.assert(
      fc.property(withObs('committing'), ([rec0, obs0]) => {
        const rec = { ...rec0, rollBack: undefined } as unknown as TxRecord;
        delete (rec as { rollBack?: boolean }).rollBack;
        const obs = obs0.map((o) => (o.tempValid || o.targetIsNew ? o : { ...o, tempValid: true }));
        const plan = planRecovery(rec, obs);
        expect(plan.outcome).toBe('rolled-forward');
        expect(plan.problem).toBeUndefined();
        // Renames are exactly the valid temps of the operations not skipped, in the caller's order, onto their targets.
        const renames = plan.steps.filter((s) => s.kind === 'rename');
        const expected = rec.ops.flatMap((op, i) => (op.skipped !== true && op.temp !== undefined && obs[i]?.tempValid === true ? [`${op.temp}->${op.target}`] : []));
        expect(renames.map((s) => (s.kind === 'rename' ? `${s.from.rel}->${s.to.rel}` : ''))).toEqual(expected);
        // Nothing is restored from a backup when rolling forward.
        expect(plan.steps.some((s) => s.kind === 'rename' && s.from.base === 'backups')).toBe(false);
      }),
    );
  });

  it('rolls back from the backups, and says so, when a staged file is gone: no temp is ever put in place', () => {
    fc.assert(
      fc.property(withObs('committing'), ([rec, obs]) => {
        const lost = rec.ops.some((op, i) => op.skipped !== true && op.temp !== undefined && obs[i]?.tempValid !== true && obs[i]?.targetIsNew !== true);
        fc.pre(lost || rec.rollBack === true);
        const plan = planRecovery(rec, obs);
        expect(plan.outcome).toBe('rolled-back');
        expect(plan.steps.some((s) => s.kind === 'rename' && s.from.base === 'root')).toBe(false);
        // The decision is made durable first, once.
        expect(plan.steps.filter((s) => s.kind === 'markRollBack').length).toBe(rec.rollBack === true ? 0 : 1);
        if (rec.rollBack !== true) expect(plan.steps[0]?.kind).toBe('markRollBack');
        if (rec.rollBack !== true) expect(plan.problem?.code).toBe('EINTEGRITY');
        // Every file the transaction replaced, deleted or renamed away comes back from its backup, where the backup is
        // still there: exactly one restore per such backup, onto the path it was taken of.
        const restores = plan.steps.flatMap((s) => (s.kind === 'restore' ? [`${s.backup.base}:${s.backup.rel}->${s.target.base}:${s.target.rel}`] : []));
        const expected = rec.ops.flatMap((op, i) => {
          const o = obs[i];
          if (op.skipped === true || op.kind === 'mkdir' || o === undefined) return [];
          return [
            ...(op.backup !== undefined && o.backupPresent ? [`backups:${op.backup}->root:${op.target}`] : []),
            ...(op.kind === 'rename' && op.source !== undefined && op.sourceBackup !== undefined && o.sourceBackupPresent ? [`backups:${op.sourceBackup}->root:${op.source}`] : []),
          ];
        });
        expect([...restores].sort()).toEqual([...expected].sort());
        // Every temp of the transaction is removed.
        for (const t of tempsOf(rec)) expect(plan.steps.map(key)).toContain(key({ kind: 'unlink', path: { base: 'root', rel: t }, temp: true }));
        // Only new files (never a file that existed) are unlinked in the root, besides temps.
        for (const s of plan.steps) {
          if (s.kind !== 'unlink' || s.path.base !== 'root' || s.temp === true) continue;
          expect(rec.ops.some((op) => op.target === s.path.rel && !op.existed)).toBe(true);
        }
      }),
    );
  });

  it('plans nothing for a final record', () => {
    fc.assert(
      fc.property(fc.constantFrom('committed', 'rolled-back' as const).chain(record), (rec) => {
        expect(planRecovery(rec, []).steps).toEqual([]);
      }),
    );
  });

  it('is deterministic: the same record and observations give the same plan', () => {
    fc.assert(
      fc.property(withObs('committing'), ([rec, obs]) => {
        expect(planRecovery(rec, obs)).toEqual(planRecovery(rec, obs));
      }),
    );
  });
});
