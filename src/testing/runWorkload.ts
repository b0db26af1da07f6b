/**
 * Runs a workload against a store, transaction after transaction, recording which commits resolved.
 */
import { fromOsError } from '../errors.js';
import type { Store, Tx } from '../types.js';
import { isCrash } from './crashError.js';
import type { CrashWorld } from './crashWorld.js';
import { contentOf, type Acknowledged, type TxOutcome, type Workload, type WorkloadOp } from './workload.js';

/** Options of `runWorkload`. */
export interface RunOptions {
  /** The world the store runs on: a failure after its crash counts as the crash, and each resolved commit is marked in its trace. */
  readonly world?: CrashWorld;
}

const add = (tx: Tx, op: WorkloadOp, k: number, i: number): Tx => {
  switch (op.op) {
    case 'write':
      return tx.writeFile(op.path, contentOf(k, i, op.size));
    case 'delete':
      return tx.delete(op.path);
    case 'rename':
      return tx.rename(op.from, op.to);
    case 'copy':
      return tx.copy(op.from, op.to);
    case 'mkdir':
      return tx.mkdir(op.path);
  }
};

/**
 * Runs each transaction of `w` with `store.begin()` … `commit()`, in order. Never rejects: a transaction that
 * fails is recorded as `failed` (with its code), one cut off by a crash as `crashed`, and nothing runs after a crash.
 */
export const runWorkload = async (store: Store, w: Workload, options: RunOptions = {}): Promise<Acknowledged> => {
  const outcomes: TxOutcome[] = [];
  for (const [k, ops] of w.txs.entries()) {
    if (outcomes.some((o) => o.status === 'crashed')) {
      outcomes.push({ status: 'not-run' });
      continue;
    }
    options.world?.mark(`begin tx${k}`);
    try {
      const policy = w.policies?.[k];
      const tx = store.begin(policy === undefined ? {} : { onExists: policy });
      ops.forEach((op, i) => add(tx, op, k, i));
      const result = await tx.commit();
      options.world?.mark(`resolved tx${k} ${result.id}`);
      outcomes.push({ status: 'acked', id: result.id });
    } catch (e) {
      if (isCrash(e) || options.world?.crashed === true) outcomes.push({ status: 'crashed' });
      else {
        const err = fromOsError(e);
        options.world?.mark(`failed tx${k} ${err.code}`);
        outcomes.push({ status: 'failed', code: err.code, message: err.message });
      }
    }
  }
  return { outcomes };
};
