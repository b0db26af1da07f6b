/**
 * The ordering rules of the commit protocol, checked on a recorded trace of FileSystem and Journal calls:
 * - the intent record is flushed before the first temp file of its transaction is created;
 * - the commit point (the `tx/<id>` record written as `committing`) is flushed before the first rename of a temp file into place;
 * - each rename publishing a temp file that was written is preceded by an fsync of that file, and followed by an fsync of its
 *   directory before the commit resolves (or, in recovery, before recovery ends) — under durability 'atomic', before
 *   the transaction's record is finished and before any later transaction's commit point is written.
 */
import { dirname } from 'node:path';
import type { TraceRecord } from '../../src/testing/index.js';
import { decodeTx } from '../../src/journal/records/txRecord.js';

const TEMP = /\/\.[^/]+\.([^./]+)\.\d+\.txfs-tmp$/;
const JOURNAL_WRITES = new Set(['journal.transact', 'journal.put', 'journal.remove']);

const txOf = (path: string): string | undefined => TEMP.exec(path)?.[1];

/** The state a journal write gives transaction `tx`'s record (`tx/<id>`, a checksummed envelope around JSON), if it writes it. */
const stateIn = (r: TraceRecord, tx: string): unknown => {
  const raw = r.writes?.get(`tx/${tx}`);
  return raw === undefined ? undefined : decodeTx(`tx/${tx}`, raw).state;
};

/**
 * Every broken ordering rule in `trace`, as readable sentences. `recovery`: the trace is a recovery's, whose temp
 * files were staged (and fsynced) before the crash, so only the directory fsync after each rename is required.
 */
/** Transactions whose record a journal write sets to `state`. */
const txsSetTo = (r: TraceRecord, state: string): string[] =>
  [...(r.writes?.keys() ?? [])].filter((k) => k.startsWith('tx/')).map((k) => k.slice(3)).filter((tx) => stateIn(r, tx) === state);

export const checkOrdering = (trace: readonly TraceRecord[], recovery = false, durability: 'full' | 'atomic' = 'full'): string[] => {
  const out: string[] = [];
  const commitPointOf = (tx: string): TraceRecord | undefined => trace.find((r) => JOURNAL_WRITES.has(r.kind) && stateIn(r, tx) === 'committing');
  const firstJournalWriteOf = (tx: string): TraceRecord | undefined => trace.find((r) => JOURNAL_WRITES.has(r.kind) && (r.keys ?? []).some((k) => k.includes(tx)));
  const flushedBetween = (from: number, to: number): boolean => trace.some((r) => r.kind === 'journal.flush' && r.index > from && r.index < to);
  const checkedTx = new Set<string>();

  for (const r of trace) {
    if (r.kind === 'open' && !recovery) {
      const tx = txOf(r.path);
      if (tx === undefined || checkedTx.has(`open ${tx}`)) continue;
      checkedTx.add(`open ${tx}`);
      const intent = firstJournalWriteOf(tx);
      if (intent === undefined || intent.index > r.index) out.push(`temp ${r.path} created (call ${r.index}) before any journal record of ${tx}`);
      else if (!flushedBetween(intent.index, r.index)) out.push(`temp ${r.path} created (call ${r.index}) before the intent record of ${tx} (call ${intent.index}) was flushed`);
    }
    if (r.kind !== 'rename' || r.to === undefined) continue;
    const tx = txOf(r.path);
    if (tx === undefined || txOf(r.to) !== undefined) continue;
    // A gzip of an old backup publishes no transaction's content: its temp is named by a flushed `backup-gc/`
    // record (checked above as its intent) and the index switches to it only after its directory is synced.
    if (r.to.includes('/.txfs/backups/')) continue;
    if (!recovery) {
      if (!checkedTx.has(`rename ${tx}`)) {
        checkedTx.add(`rename ${tx}`);
        const point = commitPointOf(tx);
        if (point === undefined || point.index > r.index || !flushedBetween(point.index, r.index)) {
          out.push(`rename ${r.path} -> ${r.to} (call ${r.index}) before the commit point of ${tx}${point === undefined ? '' : ` (call ${point.index})`} was flushed`);
        }
      }
      // A temp made by link(2) shares the inode of a file already durable; one written (or copied into) needs its own fsync.
      const written = trace.some((s) => s.index < r.index && ((s.kind === 'write' && s.path === r.path) || (s.kind === 'copyFile' && s.to === r.path)));
      const synced = trace.some((s) => (s.kind === 'sync' || s.kind === 'datasync') && s.path === r.path && s.index < r.index);
      if (written && !synced) out.push(`rename ${r.path} -> ${r.to} (call ${r.index}) publishes a temp file that was never fsynced`);
    }
    const resolved =
      durability === 'atomic' && !recovery
        ? trace.find((m) => m.index > r.index && JOURNAL_WRITES.has(m.kind) && (txsSetTo(m, 'committed').includes(tx) || txsSetTo(m, 'committing').some((other) => other !== tx)))
        : trace.find((m) => m.kind === 'mark' && m.path.startsWith('resolved ') && m.path.endsWith(` ${tx}`) && m.index >= r.index);
    const deadline = resolved?.index ?? Infinity;
    const dirSynced = trace.some((s) => s.kind === 'syncDir' && s.path === dirname(r.to as string) && s.index > r.index && s.index <= deadline);
    if (!dirSynced && (resolved !== undefined || recovery)) {
      out.push(`rename ${r.path} -> ${r.to} (call ${r.index}) not followed by an fsync of ${dirname(r.to)} before ${recovery ? 'recovery ended' : durability === 'atomic' ? `the journal write of call ${resolved?.index ?? ''}` : `the commit of ${tx} resolved`}`);
    }
  }
  return out;
};
