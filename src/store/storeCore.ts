/**
 * The members of a store that the transaction engine provides itself: transactions, one-file writes and
 * deletes, verified reads, the integrity scan, the log, the status and close.
 */
import * as path from 'node:path';
import { formerNames } from './history.js';
import { readUndoLinks, withUndoLinks } from './undoLinks.js';
import { backupUsage } from './usage.js';
import { TxfsError } from '../errors.js';
import { sha256File, sha256Of } from '../integrity/sha256.js';
import { missingParents } from '../ops/missingParents.js';
import { recoverStore } from '../recovery/recover.js';
import type { StoreCore } from './storeExtensions.js';
import { commitDraft } from '../transaction/commit.js';
import { settleBackground, type StoreContext } from '../transaction/context.js';
import { committedResult, createTx, type Committer } from '../transaction/createTx.js';
import { readManifest } from '../transaction/draft.js';
import { describeHolder, listLocks } from '../transaction/locks.js';
import { resolveStorePath } from '../transaction/paths.js';
import { toSummary, touches } from './summary.js';
import { decodeTx, openPrefix, txKey, txPrefix } from '../journal/records/txRecord.js';
import { externalChanges, verifyStore } from './verifyStore.js';
import type { Data, OpOptions, RecoveryReport, Tx, TxOptions, TxResult, TxSummary, WriteOptions, WriteResult } from '../types.js';

const opOptionsOf = (o: WriteOptions): OpOptions => ({
  ...(o.encoding === undefined ? {} : { encoding: o.encoding }),
  ...(o.mode === undefined ? {} : { mode: o.mode }),
  ...(o.validate === undefined ? {} : { validate: o.validate }),
  ...(o.onExists === undefined ? {} : { onExists: o.onExists }),
  ...(o.checksumFile === undefined ? {} : { checksumFile: o.checksumFile }),
});

/** The core members of the store of `ctx`. `ownsJournal`: close() closes the journal too. */
export const createStoreCore = (ctx: StoreContext, recovery: RecoveryReport, ownsJournal: boolean): StoreCore => {
  const { env } = ctx;
  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new TxfsError('EINVAL', `EINVAL: the store at ${ctx.root} is closed`);
  };
  const committer: Committer = async (id, draft, options) => {
    ensureOpen();
    // A transaction that failed after its commit point holds its locks until recovery finishes it: do that first.
    if (ctx.stuck.size > 0) await recoverStore(ctx);
    const result = await commitDraft(ctx, id, draft, options);
    if (ctx.afterCommit !== undefined && result.status === 'committed') {
      const work = ctx.afterCommit(id, result.files.map((f) => f.path)).catch((e: unknown) => ctx.logger?.warn({ err: e, txId: id }, 'after-commit hook failed'));
      if (ctx.background === undefined) await work;
      else {
        const tracked: Promise<void> = work.finally(() => ctx.background?.delete(tracked));
        ctx.background.add(tracked);
      }
    }
    return result;
  };
  const begin = (options: TxOptions = {}): Tx => {
    ensureOpen();
    return createTx(ctx, env.newId(), options, committer);
  };

  const core: StoreCore = {
    root: ctx.root,
    recovery,
    begin,
    async transaction<T>(fn: (tx: Tx) => T | Promise<T>, options: TxOptions = {}): Promise<TxResult<T>> {
      const tx = begin(options);
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
    },
    async writeFile(p: string, data: Data, options: WriteOptions = {}): Promise<WriteResult> {
      const tx = begin({
        backup: options.backup !== false,
        ...(options.onExists === undefined ? {} : { onExists: options.onExists }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      let dirs = 0;
      if (options.mkdirp === true) {
        const { rel } = await resolveStorePath(env.fs, ctx, p);
        for (const d of await missingParents(ctx.env.fs, ctx.root, rel)) {
          tx.mkdir(d);
          dirs++;
        }
      }
      const r = await tx.writeFile(p, data, opOptionsOf(options)).commit();
      // The file's own entry follows the directories made for it (a `.sha256` sidecar comes after it).
      const f = r.files[dirs];
      if (f === undefined) throw new TypeError('a write transaction reported no file');
      if (f.action === 'skipped') {
        const abs = path.join(ctx.root, ...f.path.split('/'));
        const st = await env.fs.stat(abs);
        return { path: f.path, status: 'skipped', sha256: await sha256File(env.fs, abs), size: st.size };
      }
      return { path: f.path, status: 'written', sha256: f.sha256 ?? '', size: f.size ?? 0, ...(f.backup === undefined ? {} : { backup: f.backup }) };
    },
    async readFile(p, options = {}) {
      ensureOpen();
      const { rel, abs } = await resolveStorePath(env.fs, ctx, p);
      const bytes = await env.fs.readFile(abs);
      if (options.verify === true) {
        const m = await readManifest(ctx, rel);
        const actual = sha256Of(bytes);
        if (m !== undefined && m.sha256 !== actual) {
          throw new TxfsError('EINTEGRITY', `EINTEGRITY: ${rel} does not hold what the store wrote (sha256 ${actual}, expected ${m.sha256}); restore it from a backup`, { path: rel });
        }
      }
      return options.encoding === undefined ? bytes : bytes.toString(options.encoding);
    },
    deleteFile(p, options = {}) {
      return begin().delete(p, options).commit();
    },
    verify(paths, options = {}) {
      ensureOpen();
      return verifyStore(ctx, paths, options.onProgress);
    },
    log(options = {}): AsyncIterable<TxSummary> {
      return {
        async *[Symbol.asyncIterator]() {
          ensureOpen();
          const rel = options.path === undefined ? undefined : (await resolveStorePath(env.fs, ctx, options.path)).rel;
          // A file's history follows txfs's renames: what happened to it under a former name, before the rename.
          const names = rel === undefined ? undefined : await formerNames(env, rel);
          const links = await readUndoLinks(env);
          const rows = await env.journal.range(txPrefix);
          let n = 0;
          for (let i = rows.length - 1; i >= 0 && (options.limit === undefined || n < options.limit); i--) {
            const row = rows[i];
            if (row === undefined) continue;
            const rec = decodeTx(row.key, row.value);
            if (names !== undefined && !names.some((name) => rec.startedAt <= name.until && touches(rec, name.path))) continue;
            n++;
            yield withUndoLinks(toSummary(rec), links);
          }
        },
      };
    },
    async status() {
      ensureOpen();
      const open = await env.journal.range(openPrefix);
      const openTransactions = await Promise.all(
        open.map(async ({ key }) => {
          const k = txKey(key.slice(openPrefix.length));
          return toSummary(decodeTx(k, await env.journal.get(k)));
        }),
      );
      const locks = (await listLocks(env)).map((l) => ({ path: l.path, holder: describeHolder(l), since: new Date(l.since) }));
      await settleBackground(ctx);
      const usage = await backupUsage({ env });
      return {
        root: ctx.root,
        openTransactions,
        locks,
        backups: { files: usage.files, backups: usage.backups, bytes: usage.bytes, compressedBytes: usage.compressedBytes },
        externallyChanged: externalChanges(await verifyStore(ctx, undefined, undefined, true)),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await settleBackground(ctx);
      if (ownsJournal) await env.journal.close();
    },
  };
  return core;
};
