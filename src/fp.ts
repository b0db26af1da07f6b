/**
 * txfs as fp-ts: every operation of the Promise API as a `TaskEither<TxfsError, A>`, with the same names (a store's
 * members take the store first; `backups.*` are grouped as in the Promise API). No logic here.
 * A caller's mistake (a wrong argument type) is a `TypeError`, as in the Promise API: it rejects the task's promise,
 * never becomes a `Left` — only what the operation itself met (`TxfsError`) is a `Left`.
 * @example pipe(fp.openStore({ root }), TE.chain((s) => fp.writeFile(s, 'a.txt', 'hi')))
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { TxfsError, fromOsError } from './errors.js';
import { sha256File as sha256FileP, verifyChecksumFile as verifyChecksumFileP } from './ops/onDisk.js';
import { writeFileAtomic as writeFileAtomicP } from './ops/atomicWrite.js';
import { openStore as openStoreP, recover as recoverP } from './store/openStore.js';
import { rebuildJournal as rebuildJournalP } from './store/rebuild.js';
import type {
  BackupEntry, Data, ExternalChange, OpOptions, RebuildReport, RecoveryReport, RepairReport, Store, StoreOptions, StoreStatus, Tx, TxOptions, TxResult, TxSummary, VerifyReport,
  WriteOptions, WriteResult,
} from './types.js';

type Task<A> = TE.TaskEither<TxfsError, A>;

const lift =
  <A>(f: () => Promise<A>): Task<A> =>
  async () => {
    try {
      return E.right(await f());
    } catch (e) {
      if (e instanceof TypeError) throw e;
      return E.left(e instanceof TxfsError ? e : fromOsError(e));
    }
  };

/** `writeFileAtomic` as a TaskEither. */
export const writeFileAtomic = (path: string, data: Data, options?: WriteOptions): Task<WriteResult> => lift(() => writeFileAtomicP(path, data, options));
/** `sha256File` as a TaskEither. */
export const sha256File = (path: string): Task<string> => lift(() => sha256FileP(path));
/** `verifyChecksumFile` as a TaskEither. */
export const verifyChecksumFile = (path: string): Task<boolean> => lift(() => verifyChecksumFileP(path));
/** `openStore` as a TaskEither. */
export const openStore = (options: StoreOptions): Task<Store> => lift(() => openStoreP(options));
/** `recover` as a TaskEither. */
export const recover = (target: Store | StoreOptions): Task<RecoveryReport> => lift(() => recoverP(target));
/** `rebuildJournal` as a TaskEither. */
export const rebuildJournal = (options: StoreOptions): Task<RebuildReport> => lift(() => rebuildJournalP(options));
/** `store.transaction` as a TaskEither. */
export const transaction = <T>(store: Store, fn: (tx: Tx) => T | Promise<T>, options?: TxOptions): Task<TxResult<T>> =>
  lift(() => store.transaction(fn, options));
/** `store.begin` as a TaskEither (Left when the store is closed). */
export const begin = (store: Store, options?: TxOptions): Task<Tx> => lift(async () => store.begin(options));
/** `tx.commit` as a TaskEither. */
export const commit = (tx: Tx): Task<TxResult<void>> => lift(() => tx.commit());
/** `tx.rollback` as a TaskEither. */
export const rollback = (tx: Tx): Task<void> => lift(() => tx.rollback());
/** `store.writeFile` as a TaskEither. */
export const writeFile = (store: Store, path: string, data: Data, options?: WriteOptions): Task<WriteResult> => lift(() => store.writeFile(path, data, options));
/** `store.readFile` as a TaskEither. */
export const readFile = (store: Store, path: string, options?: { readonly verify?: boolean; readonly encoding?: BufferEncoding }): Task<Buffer | string> =>
  lift(() => store.readFile(path, options));
/** `store.deleteFile` as a TaskEither. */
export const deleteFile = (store: Store, path: string, options?: OpOptions): Task<TxResult<void>> => lift(() => store.deleteFile(path, options));
/** `store.verify` as a TaskEither. */
export const verify = (store: Store, paths?: readonly string[], options?: Parameters<Store['verify']>[1]): Task<VerifyReport> =>
  lift(() => store.verify(paths, options));
/** `store.undo` as a TaskEither. */
export const undo = (store: Store, txId: string, options?: TxOptions): Task<TxResult<void>> => lift(() => store.undo(txId, options));
/** `store.repair` as a TaskEither. */
export const repair = (store: Store, paths?: readonly string[], options?: TxOptions): Task<RepairReport> => lift(() => store.repair(paths, options));
/** `store.status` as a TaskEither. */
export const status = (store: Store): Task<StoreStatus> => lift(() => store.status());
/** `store.log`, collected, as a TaskEither. */
export const log = (store: Store, options?: { readonly path?: string; readonly limit?: number }): Task<TxSummary[]> =>
  lift(async () => {
    const out: TxSummary[] = [];
    for await (const s of store.log(options)) out.push(s);
    return out;
  });
/**
 * `store.watch` as a TaskEither of the first `count` changes (a watch never ends by itself: the count bounds it).
 * Left when watching fails.
 */
export const watch = (store: Store, paths: readonly string[] | undefined, count: number): Task<ExternalChange[]> =>
  lift(async () => {
    const out: ExternalChange[] = [];
    if (count <= 0) return out;
    for await (const c of store.watch(paths === undefined ? undefined : [...paths])) {
      out.push(c);
      if (out.length >= count) break;
    }
    return out;
  });
/** `store.close` as a TaskEither. */
export const close = (store: Store): Task<void> => lift(() => store.close());

/** `store.backups.*` as TaskEithers. */
export const backups = {
  create: (store: Store, path: string): Task<BackupEntry> => lift(() => store.backups.create(path)),
  list: (store: Store, path: string): Task<BackupEntry[]> => lift(() => store.backups.list(path)),
  restore: (store: Store, path: string, options?: Parameters<Store['backups']['restore']>[1]): Task<TxResult<void>> =>
    lift(() => store.backups.restore(path, options)),
  verify: (store: Store, options?: Parameters<Store['backups']['verify']>[0]): Task<VerifyReport> => lift(() => store.backups.verify(options)),
  prune: (store: Store): Task<{ removed: number; freedBytes: number }> => lift(() => store.backups.prune()),
  usage: (store: Store): Task<{ files: number; backups: number; bytes: number; compressedBytes: number }> => lift(() => store.backups.usage()),
};
