/**
 * `store.repair`: every file whose content differs from the manifest (corrupted, changed behind the store's back, or
 * deleted) put back to the version the store wrote, from the kept copy `backups.keepCurrent` made of it — all in one
 * transaction, so that `undo` can undo the repair (the damaged content is kept as a backup, marked `damaged`).
 */
import * as path from 'node:path';
import { hasCode } from '../errors.js';
import type { BackupContext } from '../backup/backupContext.js';
import { listBackupRecords } from '../backup/backupIndex.js';
import { hashBackup } from '../backup/readBackup.js';
import { readIndexedBackup } from '../backup/readIndexedBackup.js';
import type { BackupRecord } from '../journal/records/backupRecord.js';
import { missingParents } from '../ops/missingParents.js';
import { optionTypeError } from '../ops/optionChecks.js';
import type { StoreContext } from '../transaction/context.js';
import { readManifest } from '../transaction/draft.js';
import { checkTxOptions } from '../transaction/txOptions.js';
import type { RepairReport, Store, TxOptions, VerifyReport } from '../types.js';
import { findBackup } from './backups.js';
import { verifyStore } from './verifyStore.js';

type Problem = VerifyReport['problems'][number];
type Unrepairable = RepairReport['unrepairable'][number];

/** Problems of `verifyStore` that mean "the file does not hold what the store wrote". */
const isDamage = (p: Problem): boolean => p.kind === 'changed' || p.kind === 'corrupted' || p.kind === 'missing';

/** The kept copy of the version `sha256` of `rel`, when the index has one and it still holds that version. */
const keptCopyOf = async (bctx: BackupContext, rel: string, sha256: string): Promise<{ copy?: BackupRecord; why?: string }> => {
  const copy = (await listBackupRecords(bctx.env, rel)).find((r) => r.reason === 'current' && r.sha256 === sha256);
  if (copy === undefined) return {};
  try {
    const back = await hashBackup(bctx.env.fs, path.join(bctx.backupDir, ...copy.file.split('/')), copy.compressed);
    if (back.sha256 === copy.sha256 && back.size === copy.size) return { copy };
    return { why: `its kept copy (${copy.id}) is damaged too: it holds sha256 ${back.sha256}, not ${copy.sha256}` };
  } catch (e) {
    if (!hasCode(e, 'ENOENT', 'EINTEGRITY', 'EIO')) throw e;
    return { why: `its kept copy (${copy.id}) cannot be read back (${e instanceof Error ? e.message : String(e)})` };
  }
};

/** Why `rel` (which does not hold `sha256`, the version the store wrote) cannot be repaired, and what can be restored. */
const unrepairable = async (ctx: StoreContext, rel: string, sha256: string, why: string | undefined): Promise<Unrepairable> => {
  const head = `${rel} does not hold the version the store wrote (sha256 ${sha256}), and ${why ?? 'no copy of that version was kept (open the store with backups: { keepCurrent: true } to keep one)'}`;
  try {
    const newest = await findBackup(ctx, rel);
    const time = new Date(newest.createdAt).toISOString();
    return { path: rel, reason: `${head}; the newest intact backup is ${newest.id} of ${time} (sha256 ${newest.sha256}, an earlier version): txfs backups restore ${rel} --backup ${newest.id}` };
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw e;
    return { path: rel, reason: `${head}; it has no intact backup either` };
  }
};

/** Checks the arguments of `repair`; nothing is touched. @throws TypeError, TxfsError EINVAL (a label too long). */
const checkArguments = (paths: unknown, options: unknown): void => {
  if (paths !== undefined && (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string'))) {
    throw optionTypeError('repair', 'paths', 'an array of paths (strings)', paths);
  }
  checkTxOptions('repair', options);
};

/**
 * The `repair` member of the store of `ctx`: finds every damaged file (or each of `paths` that is damaged; a path the
 * store never wrote is unrepairable), and in one transaction writes each one that has an intact kept copy back from
 * it (replacing even a read-only file, unless `options.onExists` says otherwise). The others are reported with the
 * newest intact backup named. Resolves without a transaction when there is nothing to repair.
 * @throws TypeError (an argument of the wrong type), TxfsError EOUTSIDE, ECONFLICT (a file changed again meanwhile),
 *   EINTEGRITY (a kept copy damaged while it was read), ELOCKED, EJOURNAL, EINVAL on a closed store, or an OS error.
 * @example const { repaired, unrepairable } = await store.repair();
 */
export const storeRepair =
  (ctx: StoreContext, begin: Store['begin'], ensureOpen: () => void): Store['repair'] =>
  async (paths, options: TxOptions = {}) => {
    checkArguments(paths, options);
    ensureOpen();
    const bctx: BackupContext = { env: ctx.env, backupDir: ctx.backupDir };
    const scan = await verifyStore(ctx, { paths });
    const out: Unrepairable[] = [];
    const fixes: Array<{ rel: string; copy: BackupRecord; writtenBy: string }> = [];
    for (const p of scan.problems) {
      if (p.kind === 'unindexed') out.push({ path: p.path, reason: `${p.path} was not written through the store: there is no version to bring back` });
      const m = isDamage(p) ? await readManifest(ctx, p.path) : undefined;
      if (m === undefined) continue;
      const { copy, why } = await keptCopyOf(bctx, p.path, m.sha256);
      if (copy !== undefined) fixes.push({ rel: p.path, copy, writtenBy: m.txId });
      else out.push(await unrepairable(ctx, p.path, m.sha256, why));
    }
    if (fixes.length === 0) return { repaired: [], versions: [], unrepairable: out };
    const one = fixes.length === 1 ? fixes[0]?.rel : undefined;
    // A label is bounded (`MAX_LABEL_LENGTH`), a path nearly twice as long: the label names a long one by its end.
    const shown = one === undefined ? `${fixes.length} files` : one.length > 200 ? `…${one.slice(-200)}` : one;
    const tx = begin({ ...options, label: options.label ?? `repair ${shown}` });
    try {
      const dirs = new Set<string>();
      for (const { rel, copy } of fixes) {
        for (const d of await missingParents(ctx.env.fs, ctx.root, rel)) {
          if (!dirs.has(d)) tx.mkdir(d);
          dirs.add(d);
        }
        tx.writeFile(rel, readIndexedBackup(bctx, copy), { onExists: options.onExists ?? 'overwrite' });
      }
    } catch (e) {
      await tx.rollback();
      throw e;
    }
    const result = await tx.commit();
    const written = new Set(result.files.filter((f) => f.action === 'written').map((f) => f.path));
    for (const { rel } of fixes) if (!written.has(rel)) out.push({ path: rel, reason: `${rel} was left as it is: the onExists policy skipped it` });
    const done = fixes.filter((f) => written.has(f.rel));
    return {
      ...(result.status === 'committed' ? { txId: result.id } : {}),
      repaired: done.map((f) => f.rel),
      versions: done.map((f) => ({ path: f.rel, sha256: f.copy.sha256, size: f.copy.size, writtenBy: f.writtenBy })),
      unrepairable: out,
    };
  };
