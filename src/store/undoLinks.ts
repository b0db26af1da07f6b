/**
 * Which transaction undid which: `undo/<undoneTxId>` → the id of the transaction that undid it, written once the
 * undo has committed. The log shows an undone transaction as `undone`, and the undo as `undoes <id>`.
 */
import type { Env } from '../env.js';
import { decodeUndoLink, encodeUndoLink, undoLinkKey, undoLinkPrefix } from '../journal/records/undoLink.js';
import type { TxSummary } from '../types.js';

/** Notes that transaction `undone` was undone by transaction `by` (informational: not flushed). Rejects with EJOURNAL or an OS error. */
export const recordUndo = async (env: Pick<Env, 'journal'>, undone: string, by: string): Promise<void> => {
  await env.journal.transact((txn) => txn.put(undoLinkKey(undone), encodeUndoLink({ v: 1, undone, by })));
};

/** Every undo link: undone id → undoing id, and undoing id → undone id. Rejects with EJOURNAL. */
export const readUndoLinks = async (env: Pick<Env, 'journal'>): Promise<{ undoneBy: Map<string, string>; undoes: Map<string, string> }> => {
  const undoneBy = new Map<string, string>();
  const undoes = new Map<string, string>();
  for (const e of await env.journal.range(undoLinkPrefix)) {
    const link = decodeUndoLink(e.key, e.value);
    undoneBy.set(link.undone, link.by);
    undoes.set(link.by, link.undone);
  }
  return { undoneBy, undoes };
};

/**
 * True when transaction `id` stands undone: an undo of it committed, and that undo does not itself stand undone (an
 * undo of the undo puts it back). Follows the chain, which is acyclic (each undo is a later transaction).
 */
const standsUndone = (id: string, links: Awaited<ReturnType<typeof readUndoLinks>>, depth = 0): boolean => {
  const by = links.undoneBy.get(id);
  return by !== undefined && depth < 1000 && !standsUndone(by, links, depth + 1);
};

/** `summary` as the log shows it: `undone` while an undo of it stands, with `undoes` on an undo. */
export const withUndoLinks = (summary: TxSummary, links: Awaited<ReturnType<typeof readUndoLinks>>): TxSummary => {
  const undoes = links.undoes.get(summary.id);
  const undone = summary.state === 'committed' && standsUndone(summary.id, links);
  return { ...summary, ...(undone ? { state: 'undone' as const } : {}), ...(undoes === undefined ? {} : { undoes }) };
};
