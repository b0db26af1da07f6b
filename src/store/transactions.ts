/**
 * A store's transactions: `begin`, `transaction`, and the one-operation forms `writeFile` and `deleteFile`. Every
 * commit goes through one committer, which first finishes this store's stuck transactions and afterwards runs the
 * after-commit housekeeping (backup retention).
 */
import * as path from 'node:path';
import { TxfsError } from '../errors.js';
import { hashFile } from '../integrity/sha256.js';
import { missingParents } from '../ops/missingParents.js';
import { recoverStore } from '../recovery/recover.js';
import { commitDraft } from '../transaction/commit.js';
import { withoutFsync } from '../transaction/steps.js';
import type { StoreContext } from '../transaction/context.js';
import { committedResult, createTx, type Committer } from '../transaction/createTx.js';
import { resolveStorePath } from '../transaction/paths.js';
import { checkTxData, checkTxPath } from '../transaction/txOptions.js';
import { describeValue } from '../ops/optionChecks.js';
import { checkWriteOptions } from '../ops/writeOptions.js';
import type { BackupPolicy, Data, OpOptions, Store, Tx, TxOptions, TxResult, WriteOptions, WriteResult } from '../types.js';

/** The transaction members of a store. */
export type StoreTransactions = Pick<Store, 'begin' | 'transaction' | 'writeFile' | 'deleteFile'>;

const opOptionsOf = (o: WriteOptions): OpOptions => ({
  ...(o.encoding === undefined ? {} : { encoding: o.encoding }),
  ...(o.mode === undefined ? {} : { mode: o.mode }),
  ...(o.validate === undefined ? {} : { validate: o.validate }),
  ...(o.onExists === undefined ? {} : { onExists: o.onExists }),
  ...(o.checksumFile === undefined ? {} : { checksumFile: o.checksumFile }),
  ...(o.verify === undefined ? {} : { verify: o.verify }),
});

/** Runs `work` after a commit: in the background when the store tracks it, inline otherwise; failures are logged. */
const afterCommit = async (ctx: StoreContext, id: string, rels: readonly string[], given: BackupPolicy | undefined): Promise<void> => {
  const hook = ctx.afterCommit;
  if (hook === undefined) return;
  const start = (): Promise<void> =>
    (given === undefined ? hook(id, rels) : hook(id, rels, new Map(rels.map((r) => [r, given])))).catch((e: unknown) => ctx.logger?.warn({ err: e, txId: id }, 'after-commit hook failed'));
  // A transaction whose finish is deferred (durability 'atomic') gets its housekeeping once it is finished.
  if (ctx.deferrals.after(id, start)) return;
  const work = start();
  if (ctx.background === undefined) {
    await work;
    return;
  }
  const tracked: Promise<void> = work.finally(() => ctx.background?.delete(tracked));
  ctx.background.add(tracked);
};

/** Per store: the transaction calls running now (`close()` waits for them). */
const running = new WeakMap<StoreContext, Set<Promise<unknown>>>();

/** Resolves once every transaction call of the store of `ctx` that is running now (or starts meanwhile) has settled. */
export const settleTransactions = async (ctx: StoreContext): Promise<void> => {
  const calls = running.get(ctx);
  while (calls !== undefined && calls.size > 0) await Promise.allSettled([...calls]);
};

/**
 * The transaction members of the store of `ctx`. `ensureOpen` throws when the store is closed: a call made after
 * `close()` fails with it, while the calls already running (`settleTransactions`) finish, commits included.
 * @throws (from the members) TypeError for an argument of the wrong type, every error of `commitDraft`, and EINVAL on
 *   a closed store.
 */
export const storeTransactions = (ctx: StoreContext, ensureOpen: () => void): StoreTransactions => {
  const { env } = ctx;
  const calls = new Set<Promise<unknown>>();
  running.set(ctx, calls);
  // Transactions begun by a `transaction` or `writeFile` call that is running: their commit may come after close().
  const admitted = new Set<string>();
  // The backup policy a `writeFile` call gave for its file, by transaction id (applied after that commit).
  const givenPolicy = new Map<string, BackupPolicy>();
  const track = <A>(p: Promise<A>): Promise<A> => {
    calls.add(p);
    const done = (): void => {
      calls.delete(p);
    };
    void p.then(done, done);
    return p;
  };
  const committer: Committer = async (id, draft, options) => {
    if (!admitted.has(id)) ensureOpen();
    return track(
      (async () => {
        // A transaction that failed after its commit point holds its locks until recovery finishes it: do that first.
        if (ctx.stuck.size > 0) await recoverStore(ctx);
        const result = await commitDraft(options.fsync === false ? { ...ctx, steps: withoutFsync(ctx.steps) } : ctx, id, draft, options);
        if (result.status === 'committed') await afterCommit(ctx, id, result.files.map((f) => f.path), givenPolicy.get(id));
        return result;
      })(),
    );
  };
  const begin = (options: TxOptions = {}): Tx => {
    ensureOpen();
    return createTx(ctx, env.newId(), options, committer);
  };
  /** Runs `body` on a new transaction, as a call `close()` waits for. Throws what `begin` throws, as a rejection. */
  const inCall = <A>(options: TxOptions, body: (tx: Tx) => Promise<A>): Promise<A> => {
    let tx: Tx;
    try {
      tx = begin(options);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    admitted.add(tx.id);
    return track(body(tx).finally(() => admitted.delete(tx.id)));
  };
  return {
    begin,
    transaction<T>(fn: (tx: Tx) => T | Promise<T>, options: TxOptions = {}): Promise<TxResult<T>> {
      if (typeof fn !== 'function') return Promise.reject(new TypeError(`transaction: fn must be a function (tx) => …, got ${describeValue(fn)}`));
      return inCall(options, async (tx) => {
        let value: T;
        try {
          value = await fn(tx);
        } catch (e) {
          await tx.rollback().catch(() => undefined);
          throw e;
        }
        // The callback may have committed (or rolled back) the transaction itself.
        const result = committedResult(tx) ?? (await tx.commit());
        return { ...result, value };
      });
    },
    async writeFile(p: string, data: Data, options: WriteOptions = {}): Promise<WriteResult> {
      const w = 'store.writeFile';
      checkTxPath(w, 'path', p);
      checkTxData(w, data);
      checkWriteOptions(w, options);
      const txOptions: TxOptions = {
        backup: options.backup !== false,
        ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
        ...(options.onExists === undefined ? {} : { onExists: options.onExists }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      };
      return inCall(txOptions, async (tx) => {
        let dirs = 0;
        if (options.mkdirp === true) {
          const { rel } = await resolveStorePath(env.fs, ctx, p);
          for (const d of await missingParents(env.fs, ctx.root, rel)) {
            tx.mkdir(d);
            dirs++;
          }
        }
        if (typeof options.backup === 'object') givenPolicy.set(tx.id, options.backup);
        const r = await tx.writeFile(p, data, opOptionsOf(options)).commit().finally(() => givenPolicy.delete(tx.id));
        // The file's own entry follows the directories made for it (a `.sha256` sidecar comes after it).
        const f = r.files[dirs];
        if (f === undefined) throw new TypeError('a write transaction reported no file');
        if (f.action === 'skipped') {
          const abs = path.join(ctx.root, ...f.path.split('/'));
          const st = await env.fs.stat(abs);
          return { path: f.path, status: 'skipped', sha256: await hashFile(env.fs, abs), size: st.size };
        }
        return { path: f.path, status: 'written', sha256: f.sha256 ?? '', size: f.size ?? 0, ...(f.backup === undefined ? {} : { backup: f.backup }) };
      });
    },
    async deleteFile(p, options = {}) {
      return begin().delete(p, options).commit();
    },
  };
};

/** The error of a call on a closed store. */
export const closedStore = (root: string): TxfsError =>
  new TxfsError('EINVAL', `EINVAL: the store at ${root} is closed; open it again with openStore to use it`);
