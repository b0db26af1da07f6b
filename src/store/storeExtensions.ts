/**
 * The seam where the backup store and the watcher plug into a store: `backups`, `undo`, `watch`, and a hook run
 * after each commit (retention). Until a module provides them, each member rejects with `ENOTSUP`.
 * To wire one in, return it from `storeExtensions` below.
 */
import { createBackups, retentionAfterCommit } from './backups.js';
import { undoTransaction } from './undo.js';
import { TxfsError } from '../errors.js';
import type { AfterCommitHook, StoreContext } from '../transaction/context.js';
import type { Backups, ExternalChange, Store } from '../types.js';
import { storeWatch } from './watch.js';

/** What a store gets from the modules built on top of the transaction engine. */
export interface StoreExtensions {
  readonly backups: Backups;
  readonly undo: Store['undo'];
  readonly watch: Store['watch'];
  readonly afterCommit?: AfterCommitHook;
}

/** The core of a store that extensions may use (its transactions, reads and verification). */
export type StoreCore = Omit<Store, 'backups' | 'undo' | 'watch'>;

const notYet = (what: string): TxfsError => new TxfsError('ENOTSUP', `ENOTSUP: ${what} is not available in this build of txfs`);

const missing = (what: string) => async (): Promise<never> => {
  throw notYet(what);
};

/** Members that reject with ENOTSUP: the default until a module provides them. */
export const unsupportedExtensions: StoreExtensions = {
  backups: {
    create: missing('backups.create'),
    list: missing('backups.list'),
    restore: missing('backups.restore'),
    verify: missing('backups.verify'),
    prune: missing('backups.prune'),
    usage: missing('backups.usage'),
  },
  undo: missing('undo'),
  watch: (): AsyncIterable<ExternalChange> => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(notYet('watch')) }),
  }),
};

/** The extensions of a new store. */
export const storeExtensions = (ctx: StoreContext, core: StoreCore): StoreExtensions => ({
  ...unsupportedExtensions,
  backups: createBackups(ctx, core),
  undo: (txId, options) => undoTransaction(ctx, core, txId, options),
  afterCommit: retentionAfterCommit(ctx),
  watch: storeWatch(ctx),
});
