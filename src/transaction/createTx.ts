/**
 * The `Tx` object a caller builds a transaction with. Adding an operation touches nothing: it notes the
 * paths' fingerprints (so a later change shows at the commit point); `commit()` runs the protocol.
 */
import { TxfsError } from '../errors.js';
import type { Data, OpOptions, Tx, TxOptions, TxResult } from '../types.js';
import { commitDraft } from './commit.js';
import type { StoreContext } from './context.js';
import { emptyDraft, noteLater, type DraftOp, type Expectation } from './draft.js';
import { checkExpectation, checkOpOptions, checkTxData, checkTxOptions, checkTxPath } from './txOptions.js';
import { sha256Of } from '../integrity/sha256.js';
import { optionsObject } from '../ops/optionChecks.js';
import { checkEncoding } from '../ops/writeOptions.js';
import { resolveStorePath } from './paths.js';

/** Runs a commit for the store (the store wraps `commitDraft` to finish stuck transactions first and run hooks). */
export type Committer = (id: string, draft: ReturnType<typeof emptyDraft>, options: TxOptions) => Promise<TxResult<void>>;

const results = new WeakMap<Tx, TxResult<void>>();

/** The result of `tx` when it was already committed (by the caller, inside a `transaction` callback). */
export const committedResult = (tx: Tx): TxResult<void> | undefined => results.get(tx);

const closed = (id: string, state: string): TxfsError =>
  new TxfsError('EINVAL', `EINVAL: transaction ${id} is already ${state}; start a new one`);

/**
 * A new transaction `id` on the store of `ctx`. Its options, and each operation's arguments as it is added, are
 * checked at once (a bad one throws there, before anything is touched). Each path may appear in one operation only
 * (EINVAL at commit).
 * @throws TypeError for an argument of the wrong type or an unknown option value; TxfsError EINVAL for a value out of
 *   range (a mode, a label's length) and for an operation on a transaction no longer open.
 * @example store.begin().writeFile('a.json', '{}').delete('old.json').commit()
 */
export const createTx = (ctx: StoreContext, id: string, options: TxOptions, committer: Committer = (i, d, o) => commitDraft(ctx, i, d, o)): Tx => {
  const txOptions = checkTxOptions('begin', options);
  const draft = emptyDraft();
  let state: 'open' | 'committing' | 'committed' | 'rolled back' = 'open';
  const add = (op: DraftOp): void => {
    if (op.from !== undefined) noteLater(ctx, draft, op.from);
    noteLater(ctx, draft, op.path);
    draft.ops.push(op);
  };
  const ensureOpen = (): void => {
    if (state !== 'open') throw closed(id, state);
  };
  const tx: Tx = {
    id,
    writeFile(path: string, data: Data, opts: OpOptions = {}) {
      ensureOpen();
      const w = 'tx.writeFile';
      add({ kind: 'write', path: checkTxPath(w, 'path', path), data: checkTxData(w, data), options: checkOpOptions(w, opts) });
      return tx;
    },
    copy(from: string, to: string, opts: OpOptions = {}) {
      ensureOpen();
      const w = 'tx.copy';
      add({ kind: 'copy', path: checkTxPath(w, 'to', to), from: checkTxPath(w, 'from', from), options: checkOpOptions(w, opts) });
      return tx;
    },
    rename(from: string, to: string, opts: OpOptions = {}) {
      ensureOpen();
      const w = 'tx.rename';
      add({ kind: 'rename', path: checkTxPath(w, 'to', to), from: checkTxPath(w, 'from', from), options: checkOpOptions(w, opts) });
      return tx;
    },
    delete(path: string, opts: OpOptions = {}) {
      ensureOpen();
      add({ kind: 'delete', path: checkTxPath('tx.delete', 'path', path), options: checkOpOptions('tx.delete', opts) });
      return tx;
    },
    mkdir(path: string) {
      ensureOpen();
      add({ kind: 'mkdir', path: checkTxPath('tx.mkdir', 'path', path), options: {} });
      return tx;
    },
    expect(path: string, expectation: Expectation) {
      ensureOpen();
      const given = checkTxPath('tx.expect', 'path', path);
      const wanted = checkExpectation('tx.expect', expectation);
      noteLater(ctx, draft, given, { pin: wanted === 'unchanged' });
      draft.expectations.push({ path: given, state: wanted });
      return tx;
    },
    readFile: (async (path: string, opts: { readonly encoding?: BufferEncoding } = {}): Promise<Buffer | string> => {
      ensureOpen();
      const w = 'tx.readFile';
      const given = checkTxPath(w, 'path', path);
      const o = optionsObject(w, 'options', opts);
      checkEncoding(w, 'options.encoding', o.encoding);
      const { abs } = await resolveStorePath(ctx.env.fs, ctx, given);
      const bytes = await ctx.env.fs.readFile(abs);
      // Pinned: the transaction commits only if the file still holds these very bytes at the commit point.
      noteLater(ctx, draft, given);
      draft.expectations.push({ path: given, state: { sha256: sha256Of(bytes) } });
      return o.encoding === undefined ? bytes : bytes.toString(o.encoding as BufferEncoding);
    }) as Tx['readFile'],
    async commit() {
      ensureOpen();
      state = 'committing';
      try {
        const result = await committer(id, draft, txOptions);
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
