/**
 * What a store tells about itself: `readFile` (verified against the manifest on request), `log` (newest first,
 * following txfs's renames), `status` (open transactions, locks, backup usage, files changed behind its back).
 */
import { TxfsError } from '../errors.js';
import { sha256Of } from '../integrity/sha256.js';
import { decodeTx, openPrefix, txKey, txPrefix } from '../journal/records/txRecord.js';
import { settleBackground, type StoreContext } from '../transaction/context.js';
import { readManifest } from '../transaction/draft.js';
import { describeHolder, listLocks } from '../transaction/locks.js';
import { resolveStorePath } from '../transaction/paths.js';
import type { Store, TxSummary } from '../types.js';
import { formerNames } from './history.js';
import { toSummary, touches } from './summary.js';
import { readUndoLinks, withUndoLinks } from './undoLinks.js';
import { backupUsage } from './usage.js';
import { externalChanges, verifyStore } from './verifyStore.js';

/** The inspection members of a store. */
export type StoreInspection = Pick<Store, 'readFile' | 'log' | 'status' | 'verify'>;

/**
 * The inspection members of the store of `ctx`. `ensureOpen` throws when the store is closed.
 * @throws (from the members) EOUTSIDE, EINTEGRITY (readFile with verify), EJOURNAL, and OS errors.
 */
export const storeInspection = (ctx: StoreContext, ensureOpen: () => void): StoreInspection => {
  const { env } = ctx;
  return {
    readFile: (async (p: string, options: { readonly verify?: boolean; readonly encoding?: BufferEncoding } = {}): Promise<Buffer | string> => {
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
    }) as Store['readFile'],
    async verify(paths, options = {}) {
      ensureOpen();
      // The manifest as every call that resolved before this one left it (a finish may still be riding).
      await ctx.deferrals.settleRests();
      return verifyStore(ctx, { paths, onProgress: options.onProgress });
    },
    log(options = {}): AsyncIterable<TxSummary> {
      return {
        async *[Symbol.asyncIterator]() {
          ensureOpen();
          const rel = options.path === undefined ? undefined : (await resolveStorePath(env.fs, ctx, options.path)).rel;
          // A file's history follows txfs's renames: what happened to it under a former name, before the rename.
          const names = rel === undefined ? undefined : await formerNames(env, rel);
          await ctx.deferrals.settleRests(); // every call that resolved before this one shows as finished
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
      // What every call that resolved before this one left: no open transaction of its own, its housekeeping done.
      await settleBackground(ctx);
      const open = await env.journal.range(openPrefix);
      const openTransactions = await Promise.all(
        open.map(async ({ key }) => {
          const k = txKey(key.slice(openPrefix.length));
          return toSummary(decodeTx(k, await env.journal.get(k)));
        }),
      );
      const locks = (await listLocks(env)).map((l) => ({ path: l.path, holder: describeHolder(l), since: new Date(l.since), stale: l.stale }));
      const usage = await backupUsage({ env });
      return {
        root: ctx.root,
        openTransactions,
        locks,
        backups: { files: usage.files, backups: usage.backups, bytes: usage.bytes, compressedBytes: usage.compressedBytes },
        externallyChanged: externalChanges(await verifyStore(ctx, { quick: true })),
      };
    },
  };
};
