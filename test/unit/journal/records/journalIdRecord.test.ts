import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJournalId, encodeJournalId, journalIdKey } from '../../../../src/journal/records/journalIdRecord.js';
import { encodeRecord } from '../../../../src/journal/envelope.js';
import * as t from 'io-ts';

const identity = fc.record({ v: fc.constant(1 as const), id: fc.string(), createdAt: fc.nat() });

describe('the journal identity record', () => {
  it('round-trips through its stored form, as JSON text too (property)', () => {
    fc.assert(
      fc.property(identity, (rec) => {
        expect(decodeJournalId(encodeJournalId(rec))).toEqual(rec);
        expect(decodeJournalId(JSON.parse(JSON.stringify(encodeJournalId(rec))))).toEqual(rec);
      }),
    );
  });

  it('refuses a damaged or foreign value with EJOURNAL naming its key', () => {
    const stored = encodeJournalId({ v: 1, id: 'abc', createdAt: 1 });
    for (const bad of [{ ...stored, sum: '0'.repeat(64) }, encodeRecord(journalIdKey, t.unknown, { v: 2, id: 'abc', createdAt: 1 }), encodeRecord('other', t.unknown, { v: 1, id: 'abc', createdAt: 1 }), 'abc']) {
      expect(() => decodeJournalId(bad)).toThrow(expect.objectContaining({ code: 'EJOURNAL', key: journalIdKey }) as Error);
    }
  });
});
