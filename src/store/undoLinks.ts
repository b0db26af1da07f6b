/**
 * Which transaction undid which: `undo/<undoneTxId>` → the id of the transaction that undid it, written once the
 * undo has committed. The log shows an undone transaction as `undone`, and the undo as `undoes <id>`.
 */
import * as t from 'io-ts';
import type { Env } from '../env.js';
import { decodeRecord, encodeRecord } from '../journal/envelope.js';
import type { TxSummary } from '../types.js';

/** The record of one undo, key `undo/<undoneTxId>`. */
export const UndoLink = t.type({ v: t.literal(1), undone: t.string, by: t.string });
/** The record of one undo. */
export type UndoLink = t.TypeOf<typeof UndoLink>;

/** Prefix of the undo links. */
export const undoLinkPrefix = 'undo/';

/** Notes that transaction `undone` was undone by transaction `by` (informational: not flushed). Rejects with EJOURNAL or an OS error. */
export const recordUndo = async (env: Pick<Env, 'journal'>, undone: string, by: string): Promise<void> => {
  const key = `${undoLinkPrefix}${undone}`;
  await env.journal.transact((txn) => txn.put(key, encodeRecord(key, UndoLink, { v: 1, undone, by })));
};

/** Every undo link: undone id → undoing id, and undoing id → undone id. Rejects with EJOURNAL. */
export const readUndoLinks = async (env: Pick<Env, 'journal'>): Promise<{ undoneBy: Map<string, string>; undoes: Map<string, string> }> => {
  const undoneBy = new Map<string, string>();
  const undoes = new Map<string, string>();
  for (const e of await env.journal.range(undoLinkPrefix)) {
    const link = decodeRecord(e.key, e.value, UndoLink);
    undoneBy.set(link.undone, link.by);
    undoes.set(link.by, link.undone);
  }
  return { undoneBy, undoes };
};

/** `summary` as the log shows it: `undone` when an undo of it committed, with `undoes` on an undo. */
export const withUndoLinks = (summary: TxSummary, links: Awaited<ReturnType<typeof readUndoLinks>>): TxSummary => {
  const undoes = links.undoes.get(summary.id);
  const undone = summary.state === 'committed' && links.undoneBy.has(summary.id);
  return { ...summary, ...(undone ? { state: 'undone' as const } : {}), ...(undoes === undefined ? {} : { undoes }) };
};
