/**
 * The journal's identity: one record under `store/journal-id`, and the same stored form in the file
 * `<stateDir>/journal-id` beside the journal. A journal that lacks the record while the file is there was lost or
 * replaced (DESIGN "When the journal itself is damaged or lost"); one with another id belongs to another store.
 */
import * as t from 'io-ts';
import { decodeRecord, encodeRecord, type RecordEnvelope } from '../envelope.js';

/** A journal's identity: a random id, and when the journal got it (epoch ms). */
export const JournalIdRecord = t.type({ v: t.literal(1), id: t.string, createdAt: t.number });
/** A journal's identity. */
export type JournalIdRecord = t.TypeOf<typeof JournalIdRecord>;

/** The journal key of the identity record. */
export const journalIdKey = 'store/journal-id';

/** The stored form of `rec` (in the journal, and in the marker file). */
export const encodeJournalId = (rec: JournalIdRecord): RecordEnvelope => encodeRecord(journalIdKey, JournalIdRecord, rec);

/** Decodes an identity record read back (from the journal or the marker file). Throws `EJOURNAL`. */
export const decodeJournalId = (raw: unknown): JournalIdRecord => decodeRecord(journalIdKey, raw, JournalIdRecord);
