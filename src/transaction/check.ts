/**
 * Step 5 of the commit protocol: has anything the transaction depends on changed since it looked?
 * A change is a Conflict of kind 'changed', resolved by `onConcurrentChange` (default 'fail': ECONFLICT,
 * nothing touched) before anything is replaced.
 */
import { preserveFile } from '../backup/backupFile.js';
import { resolveConflict } from '../conflict/resolveConflict.js';
import { hashFile } from '../integrity/sha256.js';
import type { Conflict, TxOptions } from '../types.js';
import { retarget } from './begin.js';
import type { StoreContext } from './context.js';
import { noted, type Draft } from './draft.js';
import { isUnchanged, takeFingerprint } from './fingerprint.js';
import type { StorePath } from './paths.js';
import type { PlannedOp } from './plannedOp.js';
import { backupAbs, noteBackupContent, syncBackupDirs } from './stage.js';
import { unlinkIfPresent } from '../fs/unlinkIfPresent.js';

/** The paths whose content differs from what the transaction expects, in operation order. */
const changedPaths = async (ctx: StoreContext, draft: Draft, ops: readonly PlannedOp[]): Promise<StorePath[]> => {
  const { fs } = ctx.env;
  const checks = ops.flatMap((op) => {
    // A directory's own mtime changes with every entry (our temps too): mkdir only cares that it is a directory.
    if (op.skipped || op.kind === 'mkdir') return [];
    const out = [isUnchanged(fs, op.target.abs, op.before, op.manifest).then((same) => (same ? [] : [op.target]))];
    if (op.source !== undefined && op.sourceBefore !== undefined) {
      const src = op.source;
      out.push(isUnchanged(fs, src.abs, op.sourceBefore, op.sourceManifest).then((same) => (same ? [] : [src])));
    }
    return out;
  });
  const expectations = draft.expectations.map(async ({ path, state }) => {
    const n = await noted(draft, path);
    if (state === 'unchanged') return (await isUnchanged(fs, n.path.abs, n.before, n.manifest)) ? [] : [n.path];
    const now = await takeFingerprint(fs, n.path.abs, undefined);
    if (state === 'absent') return now.exists ? [n.path] : [];
    if (!now.exists || now.kind !== 'file') return [n.path];
    return (await hashFile(fs, n.path.abs)) === state.sha256.toLowerCase() ? [] : [n.path];
  });
  const all = (await Promise.all([...checks, ...expectations])).flat();
  return all.filter((p, i) => all.findIndex((q) => q.rel === p.rel) === i);
};

/** Preserves the target as it is now (it changed after step 4), replacing the earlier backup. */
const reprotect = async (ctx: StoreContext, op: PlannedOp): Promise<void> => {
  if (op.backup === undefined) return;
  const to = backupAbs(ctx, op.backup);
  await unlinkIfPresent(ctx.env.fs, to);
  op.backupContent = undefined;
  const now = await takeFingerprint(ctx.env.fs, op.target.abs, undefined);
  if (!now.exists) return;
  const { size } = await preserveFile(ctx.env.fs, op.target.abs, to);
  await noteBackupContent(ctx, op, size, { trustManifest: false });
  await syncBackupDirs(ctx, [to]);
};

/**
 * Step 5: re-fingerprints every target and source and checks every `expect`; resolves each change by
 * `onConcurrentChange`: overwrite (re-preserving the current file), skip (the operation is dropped, its temp
 * removed), rename / keep-both (the new content lands beside), fail or cancel (ECONFLICT).
 * @throws TxfsError ECONFLICT, ELOCKED (a new name's lock), or an OS error.
 */
export const checkOps = async (ctx: StoreContext, draft: Draft, ops: readonly PlannedOp[], options: TxOptions, lock: (rel: string) => Promise<void>): Promise<void> => {
  // An operation a permission conflict dropped in steps 3–4 may have staged its temp meanwhile: it goes now.
  for (const op of ops) if (op.skipped && op.temp !== undefined) await unlinkIfPresent(ctx.env.fs, op.temp);
  // Backups of dropped or moved operations: their removal is made durable, or a crash could bring back a file no record names.
  const dropped: string[] = [];
  const drop = async (rel: string): Promise<void> => {
    dropped.push(backupAbs(ctx, rel));
    await unlinkIfPresent(ctx.env.fs, backupAbs(ctx, rel));
  };
  for (const { rel, abs } of await changedPaths(ctx, draft, ops)) {
    const fp = await takeFingerprint(ctx.env.fs, abs, undefined);
    const conflict: Conflict = { kind: 'changed', path: rel, ...(fp.exists ? { current: { size: fp.size, mtime: new Date(fp.mtimeMs) } } : {}) };
    const decision = await resolveConflict(options.onConcurrentChange ?? 'fail', conflict);
    for (const op of ops.filter((o) => !o.skipped && (o.target.rel === rel || o.source?.rel === rel))) {
      const onTarget = op.target.rel === rel && op.kind !== 'delete' && op.kind !== 'mkdir';
      if (decision === 'overwrite') {
        if (op.target.rel === rel && op.kind !== 'mkdir') await reprotect(ctx, op);
      } else if (decision === 'skip' || !onTarget) {
        op.skipped = true;
        if (op.temp !== undefined) await unlinkIfPresent(ctx.env.fs, op.temp);
        if (op.backup !== undefined) await drop(op.backup);
        if (op.sourceBackup !== undefined) await drop(op.sourceBackup);
        op.backupContent = undefined;
      } else {
        if (op.backup !== undefined) await drop(op.backup);
        op.backupContent = undefined;
        await retarget(ctx, op, decision, lock);
      }
    }
  }
  if (dropped.length > 0) await syncBackupDirs(ctx, dropped);
};
