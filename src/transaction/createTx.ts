/**
 * The `Tx` object a caller builds a transaction with. Adding an operation touches nothing: it notes the
 * paths' fingerprints (so a later change shows at the commit point); `commit()` runs the protocol.
 */
import { TxfsError } from '../errors.js';
import type { Data, OpOptions, Tx, TxOptions, TxResult } from '../types.js';
import { commitDraft } from './commit.js';
import type { StoreContext } from './context.js';
import { emptyDraft, noteLater, type DraftOp, type Expectation } from './draft.js';

/** Runs a commit for the store (the store wraps `commitDraft` to finish stuck transactions first and run hooks). */
export type Committer = (id: string, draft: ReturnType<typeof emptyDraft>, options: TxOptions) => Promise<TxResult<void>>;

const results = new WeakMap<Tx, TxResult<void>>();

/** The result of `tx` when it was already committed (by the caller, inside a `transaction` callback). */
export const committedResult = (tx: Tx): TxResult<void> | undefined => results.get(tx);

const closed = (id: string, state: string): TxfsError =>
  new TxfsError('EINVAL', `EINVAL: transaction ${id} is already ${state}; start a new one`);

/**
 * A new transaction `id` on the store of `ctx`. Each path may appear in one operation only (EINVAL at commit).
 * @example store.begin().writeFile('a.json', '{}').delete('old.json').commit()
 */
export const createTx = (ctx: StoreContext, id: string, options: TxOptions, committer: Committer = (i, d, o) => commitDraft(ctx, i, d, o)): Tx => {
  const draft = emptyDraft();
  let state: 'open' | 'committing' | 'committed' | 'rolled back' = 'open';
  const add = (op: DraftOp): void => {
    if (state !== 'open') throw closed(id, state);
    if (op.from !== undefined) noteLater(ctx, draft, op.from);
    noteLater(ctx, draft, op.path);
    draft.ops.push(op);
  };
  const tx: Tx = {
    id,
    writeFile(path: string, data: Data, opts: OpOptions = {}) {
      add({ kind: 'write', path, data, options: opts });
      return tx;
    },
    copy(from: string, to: string, opts: OpOptions = {}) {
      add({ kind: 'copy', path: to, from, options: opts });
      return tx;
    },
    rename(from: string, to: string, opts: OpOptions = {}) {
      add({ kind: 'rename', path: to, from, options: opts });
      return tx;
    },
    delete(path: string, opts: OpOptions = {}) {
      add({ kind: 'delete', path, options: opts });
      return tx;
    },
    mkdir(path: string) {
      add({ kind: 'mkdir', path, options: {} });
      return tx;
    },
    expect(path: string, expectation: Expectation) {
      if (state !== 'open') throw closed(id, state);
      noteLater(ctx, draft, path, { pin: expectation === 'unchanged' });
      draft.expectations.push({ path, state: expectation });
      return tx;
    },
    async commit() {
      if (state !== 'open') throw closed(id, state);
      state = 'committing';
      try {
        const result = await committer(id, draft, options);
        state = 'committed';
        results.set(tx, result);
        return result;
      } catch (e) {
        state = 'rolled back';
        throw e;
      }
    },
    async rollback() {
      if (state === 'committed' || state === 'committing') throw closed(id, state);
      // Nothing touches the disk before commit(): rolling back is forgetting.
      state = 'rolled back';
    },
  };
  return tx;
};
