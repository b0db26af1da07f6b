/**
 * Step 1 of the commit protocol, after the paths are resolved: turn the caller's operations into planned
 * operations, and settle what happens where a target already exists (the `onExists` policy).
 */
import * as path from 'node:path';
import { keepBothPath, renamedPath } from '../conflict/uniqueName.js';
import { conflictError, resolveConflict } from '../conflict/resolveConflict.js';
import { TxfsError } from '../errors.js';
import { isInMemory, inMemoryBytes } from '../ops/toChunks.js';
import type { Conflict, ConflictPolicy, TxOptions } from '../types.js';
import type { StoreContext } from './context.js';
import { notePath, noted, rejectRepeatedPaths, settleNotes, type Draft, type DraftOp, type NotedPath } from './draft.js';
import { isReadOnly, type Fingerprint } from './fingerprint.js';
import type { StorePath } from './paths.js';
import { putsFile, type PlannedOp } from './plannedOp.js';

/**
 * The planned operations of `draft`, in the caller's order, followed by a `<target>.sha256` sidecar write for each
 * operation asking for `checksumFile`.
 * @throws TxfsError EOUTSIDE, EINVAL (a path in two operations), EISDIR (a file path ending with a slash), EJOURNAL, or the
 *   OS error of a failed lstat.
 */
export const planOps = async (ctx: StoreContext, draft: Draft, options: TxOptions): Promise<PlannedOp[]> => {
  await settleNotes(draft);
  const ops: PlannedOp[] = [];
  for (const d of draft.ops) {
    // `dir/` names a directory: a file operation on it must not quietly act on `dir` (path.resolve drops the slash).
    for (const p of d.kind === 'mkdir' ? [] : [d.path, ...(d.from === undefined ? [] : [d.from])]) {
      if (/[/\\]$/.test(p)) throw new TxfsError('EISDIR', `EISDIR: ${JSON.stringify(p)} ends with a slash: it names a directory, not a file; give the file's name`, { path: p });
    }
  }
  for (const [index, d] of draft.ops.entries()) {
    const t = await throughLink(ctx, d.kind, await noted(draft, d.path));
    const s = d.from === undefined ? undefined : await noted(draft, d.from);
    ops.push({
      index,
      kind: d.kind,
      target: t.path,
      ...(s === undefined ? {} : { source: s.path, sourceBefore: s.before, sourceManifest: s.manifest }),
      ...(d.data === undefined ? {} : { data: d.data }),
      options: d.options,
      onExists: d.options.onExists ?? options.onExists,
      before: t.before,
      manifest: t.manifest,
      skipped: false,
      keepBackup: d.kind === 'delete' || options.backup !== false,
    });
  }
  for (const op of [...ops]) {
    if (op.options.checksumFile !== true || op.kind === 'delete' || op.kind === 'mkdir') continue;
    const n = await notePath(ctx, `${op.target.rel}.sha256`);
    ops.push({ index: ops.length, kind: 'write', target: n.path, options: {}, before: n.before, manifest: n.manifest, skipped: false, keepBackup: op.keepBackup, sidecarOf: op.index });
  }
  rejectRepeatedPaths(ops.flatMap((op, i) => {
    const d = op.sidecarOf === undefined ? draft.ops[i] : undefined;
    const given = d?.path ?? op.target.rel;
    return op.source === undefined ? [{ rel: op.target.rel, given }] : [{ rel: op.target.rel, given }, { rel: op.source.rel, given: d?.from ?? op.source.rel }];
  }));
  return ops;
};

/**
 * A write or copy onto a symbolic link inside the root goes through it, as `writeFileAtomic` does: the file it leads to
 * is the target (backed up, replaced, its manifest entry updated); the link stays. Where it leads was checked when the
 * path was noted (never outside the root, never into the state directory) and is checked again here.
 */
const throughLink = async (ctx: StoreContext, kind: DraftOp['kind'], n: NotedPath): Promise<NotedPath> => {
  if ((kind !== 'write' && kind !== 'copy') || !n.before.exists || n.before.kind !== 'symlink') return n;
  const real = await ctx.env.fs.realpath(n.path.abs);
  return notePath(ctx, path.relative(ctx.rootReal, real).split(path.sep).join('/'));
};

/** The paths a set of operations locks: every target and every source, sorted (one global order: no deadlock). */
export const lockPathsOf = (ops: readonly PlannedOp[]): string[] =>
  [...new Set(ops.flatMap((op) => (op.source === undefined ? [op.target.rel] : [op.target.rel, op.source.rel])))].sort();

const notAFile = (p: StorePath, fp: Fingerprint, what: string): TxfsError =>
  new TxfsError(fp.exists && fp.kind === 'directory' ? 'EISDIR' : 'EINVAL', `${what}: ${p.rel} is a ${fp.exists ? fp.kind : 'missing file'}, not a file`, { path: p.rel });

/** Checks that each operation can apply to what its paths hold. Throws ENOENT, EISDIR, EEXIST, EINVAL. */
export const checkShapes = (ops: readonly PlannedOp[]): void => {
  for (const op of ops) {
    const t = op.before;
    if ((op.kind === 'copy' || op.kind === 'rename') && op.source !== undefined && op.sourceBefore !== undefined) {
      if (!op.sourceBefore.exists) throw new TxfsError('ENOENT', `ENOENT: cannot ${op.kind} ${op.source.rel}: it does not exist`, { path: op.source.rel });
      if (op.sourceBefore.kind !== 'file') throw notAFile(op.source, op.sourceBefore, `cannot ${op.kind} it`);
    }
    if (op.kind === 'delete') {
      if (!t.exists && op.options.force === true) {
        op.skipped = true;
        continue;
      }
      if (!t.exists) throw new TxfsError('ENOENT', `ENOENT: cannot delete ${op.target.rel}: it does not exist (delete it with { force: true } to allow that)`, { path: op.target.rel });
      if (t.kind !== 'file') throw notAFile(op.target, t, 'cannot delete it');
    }
    if (putsFile(op) && t.exists && t.kind === 'directory') throw notAFile(op.target, t, 'cannot replace it');
    if (op.kind === 'mkdir' && t.exists && t.kind !== 'directory') {
      throw new TxfsError('EEXIST', `EEXIST: cannot create directory ${op.target.rel}: a ${t.kind} is there`, { path: op.target.rel });
    }
  }
};

/** The conflict an existing target of `op` is. */
export const existsConflict = (op: PlannedOp, kind: Conflict['kind']): Conflict => {
  const fp = op.before;
  const incoming = op.data !== undefined && isInMemory(op.data) ? { size: inMemoryBytes(op.data, op.options.encoding).byteLength } : undefined;
  return {
    kind,
    path: op.target.rel,
    ...(fp.exists ? { current: { size: fp.size, mtime: new Date(fp.mtimeMs), ...(fp.sha256 === undefined ? {} : { sha256: fp.sha256 }) } } : {}),
    ...(incoming === undefined ? {} : { incoming }),
  };
};

/**
 * Moves `op` to a free name beside its target (`name (1).ext` or `name (conflict …).ext`); the new path is locked
 * through `lock`. Throws what finding the name or taking the lock throws.
 */
export const retarget = async (ctx: StoreContext, op: PlannedOp, how: 'rename' | 'keep-both', lock: (rel: string) => Promise<void>): Promise<void> => {
  const abs = how === 'rename' ? await renamedPath(ctx.env.fs, op.target.abs) : await keepBothPath(ctx.env.fs, op.target.abs, ctx.env.now());
  const rel = path.posix.join(path.posix.dirname(op.target.rel), path.basename(abs));
  await lock(rel);
  op.target = { rel, abs };
  op.before = { exists: false };
  op.manifest = undefined;
};

/** A sidecar goes where its operation's file goes: skipped with it, moved beside its new name. */
const followMain = async (ctx: StoreContext, sidecar: PlannedOp, main: PlannedOp | undefined, lock: (rel: string) => Promise<void>): Promise<void> => {
  if (main === undefined || main.skipped) {
    sidecar.skipped = true;
    return;
  }
  if (sidecar.target.rel === `${main.target.rel}.sha256`) return;
  const rel = `${main.target.rel}.sha256`;
  await lock(rel);
  const n = await notePath(ctx, rel);
  sidecar.target = n.path;
  sidecar.before = n.before;
  sidecar.manifest = n.manifest;
};

/**
 * Applies each operation's `onExists` policy (default 'overwrite', a backup being kept) to targets that exist:
 * conflict kind 'read-only' when the mode has no write bit (such a file is replaced or deleted only when `onExists`
 * is given explicitly: ECONFLICT otherwise), 'exists' otherwise. A delete asks only about a read-only file; told to
 * skip, rename or keep both, it leaves the file where it is.
 * @throws TxfsError ECONFLICT ('fail', or a callback answering 'cancel'), ELOCKED for a renamed target's lock.
 */
export const settleExisting = async (ctx: StoreContext, ops: readonly PlannedOp[], options: TxOptions, lock: (rel: string) => Promise<void>): Promise<void> => {
  for (const op of ops) {
    if (op.sidecarOf !== undefined) {
      await followMain(ctx, op, ops[op.sidecarOf], lock);
      continue;
    }
    if (op.skipped || !(putsFile(op) || op.kind === 'delete') || !op.before.exists) continue;
    const given = op.options.onExists ?? options.onExists;
    const readOnly = isReadOnly(op.before);
    // A delete expects its file to exist: only a read-only one asks for a decision.
    if (op.kind === 'delete' && !readOnly) continue;
    // A read-only file is replaced or removed only when the caller said what to do with an existing one (API.md).
    if (!readOnly && (given ?? 'overwrite') === 'overwrite') continue;
    if (readOnly && given === undefined) throw conflictError(existsConflict(op, 'read-only'), 'a read-only file is replaced or deleted only with an explicit onExists');
    const policy: ConflictPolicy = given ?? 'overwrite';
    if (policy === 'overwrite') continue;
    const decision = await resolveConflict(policy, existsConflict(op, readOnly ? 'read-only' : 'exists'));
    if (op.kind === 'delete') {
      // What a delete can do with a read-only file: remove it, or leave it (rename / keep-both have no new file to place).
      if (decision !== 'overwrite') op.skipped = true;
      continue;
    }
    if (decision === 'skip') op.skipped = true;
    else if (decision === 'rename' || decision === 'keep-both') await retarget(ctx, op, decision, lock);
  }
};
