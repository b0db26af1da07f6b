/**
 * How journal records are shown to callers: a transaction record as a `TxSummary` (log, status).
 */
import type { TxFileResult, TxSummary } from '../types.js';
import type { OpKind, TxRecord } from '../journal/records/txRecord.js';

const actions: Record<OpKind, TxFileResult['action']> = { write: 'written', copy: 'copied', rename: 'renamed', delete: 'deleted', mkdir: 'created' };

/** The summary of transaction record `rec`. */
export const toSummary = (rec: TxRecord): TxSummary => ({
  id: rec.id,
  state: rec.state,
  ...(rec.label === undefined ? {} : { label: rec.label }),
  startedAt: new Date(rec.startedAt),
  files: rec.ops.map((op) =>
    op.skipped === true
      ? { path: op.target, action: 'skipped' }
      : { path: op.target, action: actions[op.kind], ...(op.staged === undefined ? {} : { sha256: op.staged.sha256, size: op.staged.size }) },
  ),
});

/** True when `rec` touched `rel` (as a target or a source). */
export const touches = (rec: TxRecord, rel: string): boolean => rec.ops.some((op) => op.target === rel || op.source === rel);
