/**
 * txfs as fp-ts: each store operation as a `TaskEither<TxfsError, A>`, same names as the Promise API. No logic here.
 * @example pipe(fp.openStore({ root }), TE.chain((s) => fp.writeFile(s, 'a.txt', 'hi')))
 */
import * as TE from 'fp-ts/lib/TaskEither.js';
import { fromOsError, type TxfsError } from './errors.js';
import { openStore as openStoreP, recover as recoverP } from './store/openStore.js';
import type {
  Data, OpOptions, RecoveryReport, Store, StoreOptions, Tx, TxOptions, TxResult, TxSummary, VerifyReport, WriteOptions, WriteResult, StoreStatus,
} from './types.js';

const lift = <A>(f: () => Promise<A>): TE.TaskEither<TxfsError, A> => TE.tryCatch(f, (e) => fromOsError(e));

/** `openStore` as a TaskEither. */
export const openStore = (options: StoreOptions): TE.TaskEither<TxfsError, Store> => lift(() => openStoreP(options));
/** `recover` as a TaskEither. */
export const recover = (target: Store | StoreOptions): TE.TaskEither<TxfsError, RecoveryReport> => lift(() => recoverP(target));
/** `store.transaction` as a TaskEither. */
export const transaction = <T>(store: Store, fn: (tx: Tx) => T | Promise<T>, options?: TxOptions): TE.TaskEither<TxfsError, TxResult<T>> =>
  lift(() => store.transaction(fn, options));
/** `tx.commit` as a TaskEither. */
export const commit = (tx: Tx): TE.TaskEither<TxfsError, TxResult<void>> => lift(() => tx.commit());
/** `store.writeFile` as a TaskEither. */
export const writeFile = (store: Store, path: string, data: Data, options?: WriteOptions): TE.TaskEither<TxfsError, WriteResult> =>
  lift(() => store.writeFile(path, data, options));
/** `store.readFile` as a TaskEither. */
export const readFile = (store: Store, path: string, options?: { readonly verify?: boolean; readonly encoding?: BufferEncoding }): TE.TaskEither<TxfsError, Buffer | string> =>
  lift(() => store.readFile(path, options));
/** `store.deleteFile` as a TaskEither. */
export const deleteFile = (store: Store, path: string, options?: OpOptions): TE.TaskEither<TxfsError, TxResult<void>> => lift(() => store.deleteFile(path, options));
/** `store.verify` as a TaskEither. */
export const verify = (store: Store, paths?: readonly string[]): TE.TaskEither<TxfsError, VerifyReport> => lift(() => store.verify(paths));
/** `store.undo` as a TaskEither. */
export const undo = (store: Store, txId: string, options?: TxOptions): TE.TaskEither<TxfsError, TxResult<void>> => lift(() => store.undo(txId, options));
/** `store.status` as a TaskEither. */
export const status = (store: Store): TE.TaskEither<TxfsError, StoreStatus> => lift(() => store.status());
/** `store.log`, collected, as a TaskEither. */
export const log = (store: Store, options?: { readonly path?: string; readonly limit?: number }): TE.TaskEither<TxfsError, TxSummary[]> =>
  lift(async () => {
    const out: TxSummary[] = [];
    for await (const s of store.log(options)) out.push(s);
    return out;
  });
/** `store.close` as a TaskEither. */
export const close = (store: Store): TE.TaskEither<TxfsError, void> => lift(() => store.close());
