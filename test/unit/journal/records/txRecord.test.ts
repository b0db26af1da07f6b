import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../../../src/errors.js';
import { decodeRecord, encodeRecord } from '../../../../src/journal/envelope.js';
import { ManifestEntry, TxRecord, decodeTx, txKey } from '../../../../src/journal/records/txRecord.js';

const content = fc.record({ sha256: fc.stringMatching(/^[0-9a-f]{64}$/), size: fc.nat() });
const op = fc.record(
  {
    kind: fc.constantFrom('write', 'copy', 'rename', 'delete', 'mkdir' as const),
    target: fc.string({ minLength: 1 }),
    existed: fc.boolean(),
    source: fc.string({ minLength: 1 }),
    temp: fc.string({ minLength: 1 }),
    backup: fc.string({ minLength: 1 }),
    sourceBackup: fc.string(),
    keepBackup: fc.boolean(),
    skipped: fc.boolean(),
    staged: content,
    backupContent: content,
    backupAt: fc.nat(),
  },
  { requiredKeys: ['kind', 'target', 'existed'] },
);
const txRecord = fc.record(
  {
    v: fc.constant(1 as const),
    id: fc.stringMatching(/^[0-9a-z]{17}$/),
    state: fc.constantFrom('staging', 'committing', 'committed', 'rolled-back' as const),
    startedAt: fc.nat(),
    pid: fc.nat(),
    ops: fc.array(op, { maxLength: 5 }),
    label: fc.string(),
    rollBack: fc.boolean(),
    finishedAt: fc.nat(),
  },
  { requiredKeys: ['v', 'id', 'state', 'startedAt', 'pid', 'ops'] },
);

describe('journal records of transactions', () => {
  it('round-trip through the checksummed envelope', () => {
    fc.assert(
      fc.property(txRecord, (rec) => {
        const key = txKey(rec.id);
        expect(decodeTx(key, JSON.parse(JSON.stringify(encodeRecord(key, TxRecord, rec))))).toEqual(rec);
      }),
    );
    fc.assert(
      fc.property(fc.record({ v: fc.constant(1 as const), sha256: fc.string(), size: fc.nat(), txId: fc.string(), mtimeMs: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)), ino: fc.nat() }), (m) => {
        expect(decodeRecord('manifest/a', encodeRecord('manifest/a', ManifestEntry, m), ManifestEntry)).toEqual(m);
      }),
    );
  });

  it('refuse a record with an unknown state, a missing field or a body that moved to another key (EJOURNAL)', () => {
    const rec: TxRecord = { v: 1, id: 'x', state: 'staging', startedAt: 1, pid: 2, ops: [] };
    const bad = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return e instanceof TxfsError ? e.code : 'other';
      }
      return 'accepted';
    };
    expect(bad(() => decodeTx('tx/x', encodeRecord('tx/x', TxRecord as never, { ...rec, state: 'limbo' } as never)))).toBe('EJOURNAL');
    const { pid: _pid, ...noPid } = rec;
    expect(bad(() => decodeTx('tx/x', encodeRecord('tx/x', TxRecord as never, noPid as never)))).toBe('EJOURNAL');
    expect(bad(() => decodeTx('tx/y', encodeRecord('tx/x', TxRecord, rec)))).toBe('EJOURNAL');
  });
});
