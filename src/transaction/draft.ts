/**
 * A transaction being built: the operations in the caller's order, and what each path looked like when its
 * operation was added (its fingerprint), noted at that moment so that a change before the commit point shows.
 */
import * as path from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import { hashFile } from '../integrity/sha256.js';
import type { Data, OpOptions } from '../types.js';
import type { StoreContext } from './context.js';
import { fingerprintNow, takeFingerprint, withManifest, type Fingerprint } from './fingerprint.js';
import { checkNoLinkOut, checkNoLinkOutOf, lexicalStorePath, realParentOf, type StorePath } from './paths.js';
import { defaultTuning } from './tuning.js';
import { storeBudget } from './fileBudget.js';
import { decodeManifest, manifestKey, type ManifestEntry, type OpKind } from '../journal/records/txRecord.js';

/** An operation as the caller gave it. `path` is the target; `from` the source of copy/rename. */
export interface DraftOp {
  readonly kind: OpKind;
  readonly path: string;
  readonly from?: string;
  readonly data?: Data;
  readonly options: OpOptions;
}

/** What `expect` asks of a path at the commit point. */
export type Expectation = 'absent' | 'unchanged' | { readonly sha256: string };

/** A path as resolved and fingerprinted when noted. */
export interface NotedPath {
  readonly path: StorePath;
  readonly before: Fingerprint;
  readonly manifest: ManifestEntry | undefined;
}

type Settled<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown };

/** The state of a transaction being built. */
export interface Draft {
  readonly ops: DraftOp[];
  readonly notes: Map<string, Promise<Settled<NotedPath>>>;
  readonly expectations: Array<{ readonly path: string; readonly state: Expectation }>;
  /** Directory → its canonical form, shared by the paths noted in one synchronous run (see `sharedRealParent`). */
  readonly realDirs: Map<string, Promise<string>>;
}

/** An empty draft. */
export const emptyDraft = (): Draft => ({ ops: [], notes: new Map(), expectations: [], realDirs: new Map() });

/**
 * The canonical form of `abs`'s directory, one realpath shared by every path of that directory noted in the same
 * synchronous run (`tx.writeFile` ten times: one realpath, not ten). The entry is dropped once that run ends, so a
 * path noted later resolves its directory afresh, exactly as when each path had its own realpath.
 */
const sharedRealParent = (ctx: StoreContext, abs: string, realDirs: Map<string, Promise<string>>): Promise<string> => {
  const dir = path.dirname(abs);
  // The root's own canonical form was taken when the store opened: its name cannot change from inside the root (that
  // takes write access to the directory above it), the assumption the confined walks start from too.
  if (dir === path.resolve(ctx.root)) return Promise.resolve(ctx.rootReal);
  const known = realDirs.get(dir);
  if (known !== undefined) return known;
  const p = realParentOf(ctx.env.fs, abs);
  realDirs.set(dir, p);
  queueMicrotask(() => {
    if (realDirs.get(dir) === p) realDirs.delete(dir);
  });
  return p;
};

/** The manifest entry of `rel`, or undefined when the store never wrote it. Throws `EJOURNAL`. */
export const readManifest = async (ctx: StoreContext, rel: string): Promise<ManifestEntry | undefined> => {
  // A transaction that wrote `rel` and resolved may not have written its manifest entry yet (`deferrals.ts`): what its
  // finish will write, once that is known (its step 8 done); until then, wait.
  const known = (): { readonly entry: ManifestEntry | undefined } | undefined => ctx.deferrals.manifestOf(rel);
  const finishing = known() ?? (ctx.deferrals.touches([rel]) ? await ctx.deferrals.settleLocks([rel]).then(known) : undefined);
  if (finishing !== undefined) return finishing.entry;
  const raw = await ctx.env.journal.get(manifestKey(rel));
  return raw === undefined ? undefined : decodeManifest(manifestKey(rel), raw);
};

/** Resolves and fingerprints `given` now. Throws EOUTSIDE, EINVAL, EJOURNAL, or an OS error. */
export const notePath = async (ctx: StoreContext, given: string, realDirs?: Map<string, Promise<string>>, seen?: Fingerprint): Promise<NotedPath> => {
  const at = lexicalStorePath(ctx, given);
  // The target as it was when the operation was added, if that could be seen then; else as it is now.
  const look = (): Promise<Fingerprint> => (seen === undefined ? takeFingerprint(ctx.env.fs, at.abs, undefined) : Promise.resolve(seen));
  if (realDirs === undefined || !(ctx.tuning?.realpathPerDirectory ?? defaultTuning.realpathPerDirectory)) {
    // The link check, the manifest and the fingerprint are independent round trips: take them together.
    const [, manifest, before] = await Promise.all([
      checkNoLinkOut(ctx.env.fs, ctx, given, at.abs),
      readManifest(ctx, at.rel),
      look(),
    ]);
    return { path: at, manifest, before: await withEarlierHash(ctx, at.abs, withManifest(before, manifest)) };
  }
  // The directory's canonical form (shared), the manifest and the fingerprint together; the fingerprint's lstat tells
  // whether the path itself is a symbolic link (only then does it need a realpath of its own).
  const [realParent, manifest, before] = await Promise.all([
    sharedRealParent(ctx, at.abs, realDirs),
    readManifest(ctx, at.rel),
    look(),
  ]);
  await checkNoLinkOutOf(ctx.env.fs, ctx, given, at.abs, before.exists ? before.kind : undefined, realParent);
  return { path: at, manifest, before: await withEarlierHash(ctx, at.abs, withManifest(before, manifest)) };
};

/** Files up to this size that the manifest does not vouch for are hashed when noted. */
const HASH_WHEN_NOTED = 1024 * 1024;

/**
 * `fp` with the SHA-256 of a small file the manifest does not know, so that touching it without changing it is not
 * taken for a concurrent change. Kept only if the file did not change while it was read.
 */
const withEarlierHash = async (ctx: StoreContext, abs: string, fp: Fingerprint): Promise<Fingerprint> => {
  if (!fp.exists || fp.kind !== 'file' || fp.sha256 !== undefined || fp.size > HASH_WHEN_NOTED) return fp;
  let sha256: string;
  try {
    // Within the store's budget: a transaction naming hundreds of such files must not open them all at once (EMFILE).
    sha256 = await storeBudget(ctx)(() => hashFile(ctx.env.fs, abs));
  } catch (e) {
    // Gone since the lstat: the check at the commit point sees that as the change it is.
    if (hasCode(e, 'ENOENT')) return fp;
    throw e;
  }
  const again = await takeFingerprint(ctx.env.fs, abs, undefined);
  return again.exists && again.size === fp.size && again.mtimeMs === fp.mtimeMs && again.ino === fp.ino ? { ...fp, sha256 } : fp;
};

/** Starts noting `given` unless it is noted already (or always, with `pin`); the outcome is awaited at commit. */
export const noteLater = (ctx: StoreContext, draft: Draft, given: string, { pin = false }: { readonly pin?: boolean } = {}): void => {
  if (!pin && draft.notes.has(given)) return;
  // The fingerprint is the target's state when the call returns: taken now, synchronously, where the disk allows it.
  let seen: Fingerprint | undefined;
  let failed: { readonly error: unknown } | undefined;
  try {
    seen = fingerprintNow(ctx.env.fs, lexicalStorePath(ctx, given).abs);
  } catch (error) {
    // The same check runs again in notePath, which reports it at commit, before anything is touched.
    failed = { error };
  }
  draft.notes.set(
    given,
    (failed === undefined ? notePath(ctx, given, draft.realDirs, seen) : Promise.reject(failed.error instanceof Error ? failed.error : new Error(String(failed.error)))).then(
      (value): Settled<NotedPath> => ({ ok: true, value }),
      (error: unknown): Settled<NotedPath> => ({ ok: false, error }),
    ),
  );
};

/** The noted form of `given`. Throws what noting it threw. */
export const noted = async (draft: Draft, given: string): Promise<NotedPath> => {
  const p = draft.notes.get(given);
  if (p === undefined) throw new TypeError(`path ${given} was never noted`);
  const s = await p;
  if (!s.ok) throw s.error;
  return s.value;
};

/** Awaits every note, then throws the first failure in the order the paths were added (nothing is touched yet). */
export const settleNotes = async (draft: Draft): Promise<void> => {
  const all = await Promise.all(draft.notes.values());
  const failed = all.find((s) => !s.ok);
  if (failed !== undefined && !failed.ok) throw failed.error;
};

/**
 * Rejects a transaction that names one path in two operations: the outcome would depend on an ordering
 * the caller may not have meant. `EINVAL`.
 */
export const rejectRepeatedPaths = (rels: ReadonlyArray<{ readonly rel: string; readonly given: string }>): void => {
  const seen = new Set<string>();
  for (const { rel, given } of rels) {
    if (seen.has(rel)) {
      throw new TxfsError('EINVAL', `EINVAL: ${JSON.stringify(given)} appears in two operations of one transaction; use one operation per path`, { path: given });
    }
    seen.add(rel);
  }
};
