/**
 * Which transaction undid which: `undo/<undoneTxId>` → the id of the transaction that undid it.
 */
import * as t from 'io-ts';
import { decodeRecord, encodeRecord, type RecordEnvelope } from '../envelope.js';

/** The record of one undo, key `undo/<undoneTxId>`. */
export const UndoLink = t.type({ v: t.literal(1), undone: t.string, by: t.string });
/** The record of one undo. */
export type UndoLink = t.TypeOf<typeof UndoLink>;

/** Prefix of the undo links. */
export const undoLinkPrefix = 'undo/';

/** The key of the link of the undone transaction `undone`. */
export const undoLinkKey = (undone: string): string => `${undoLinkPrefix}${undone}`;

/** The stored form of `link`. */
export const encodeUndoLink = (link: UndoLink): RecordEnvelope => encodeRecord(undoLinkKey(link.undone), UndoLink, link);

/** Decodes an undo link read at `key`. Throws `EJOURNAL`. */
export const decodeUndoLink = (key: string, raw: unknown): UndoLink => decodeRecord(key, raw, UndoLink);
