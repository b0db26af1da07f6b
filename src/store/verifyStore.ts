/**
 * The store-wide integrity scan: every file the manifest knows, hashed and compared. Content that differs while
 * size, mtime and inode are what the store left is `corrupted` (silent damage); content that differs along with
 * them is `changed` (modified behind the store's back); a file gone is `missing`.
 */
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { hashFile } from '../integrity/sha256.js';
import type { ExternalChange, VerifyReport } from '../types.js';
import type { StoreContext } from '../transaction/context.js';
import { matchesManifest } from '../transaction/fingerprint.js';
import { absOf, resolveStorePath } from '../transaction/paths.js';
import { decodeManifest, manifestKey, manifestPrefix, type ManifestEntry } from '../journal/records/txRecord.js';

type Problem = VerifyReport['problems'][number];

/** The manifest entries of `rels` (all of them when omitted), in path order. Throws EJOURNAL, EOUTSIDE. */
const entries = async (ctx: StoreContext, paths: readonly string[] | undefined): Promise<Array<[string, ManifestEntry | undefined]>> => {
  if (paths === undefined) {
    return (await ctx.env.journal.range(manifestPrefix)).map(({ key, value }) => [key.slice(manifestPrefix.length), decodeManifest(key, value)]);
  }
  return Promise.all(
    paths.map(async (p): Promise<[string, ManifestEntry | undefined]> => {
      const { rel } = await resolveStorePath(ctx.env.fs, ctx, p);
      const raw = await ctx.env.journal.get(manifestKey(rel));
      return [rel, raw === undefined ? undefined : decodeManifest(manifestKey(rel), raw)];
    }),
  );
};

/**
 * The one external-change check, shared by `verify`, `status` and `watch`: what the file at `rel` holds now against
 * `expected` (the SHA-256 the manifest recorded); undefined when it still holds that. Rejects with an OS error other
 * than ENOENT / ENOTDIR.
 */
export const externalChangeOf = async (fs: FileSystem, root: string, rel: string, expected: string): Promise<ExternalChange | undefined> => {
  let actual: string | undefined;
  try {
    actual = await hashFile(fs, absOf(root, rel));
  } catch (e) {
    if (!hasCode(e, 'ENOENT', 'ENOTDIR')) throw e;
  }
  if (actual === expected) return undefined;
  return actual === undefined ? { path: rel, kind: 'deleted', expected } : { path: rel, kind: 'modified', expected, actual };
};

/** Checks one file against its manifest entry; undefined when it is intact. `quick`: trust size, mtime and inode. */
const checkOne = async (ctx: StoreContext, rel: string, m: ManifestEntry | undefined, { quick }: { readonly quick: boolean }): Promise<Problem | undefined> => {
  if (m === undefined) return { path: rel, kind: 'unindexed', message: `${rel} was not written through the store: nothing to compare with` };
  let st;
  try {
    st = await ctx.env.fs.stat(absOf(ctx.root, rel));
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return { path: rel, kind: 'missing', expected: m.sha256, message: `${rel} is missing` };
    throw e;
  }
  if (quick && matchesManifest(st, m)) return undefined;
  const change = await externalChangeOf(ctx.env.fs, ctx.root, rel, m.sha256);
  if (change === undefined) return undefined;
  if (change.kind === 'deleted') return { path: rel, kind: 'missing', expected: m.sha256, message: `${rel} is missing` };
  const kind = matchesManifest(st, m) ? 'corrupted' : 'changed';
  const message = kind === 'corrupted' ? `${rel} is corrupted: its content changed but its size, time and inode did not` : `${rel} was modified outside the store`;
  return { path: rel, kind, expected: m.sha256, ...(change.actual === undefined ? {} : { actual: change.actual }), message };
};

/** Options of `verifyStore`. */
export interface VerifyStoreOptions {
  /** Restrict to these paths (default: every file the manifest knows). */
  readonly paths?: readonly string[] | undefined;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** For status: a file whose size, mtime and inode are what the store left is not hashed. */
  readonly quick?: boolean;
}

/**
 * Hashes every file the manifest knows (or just `options.paths`) and reports what differs.
 * @throws TxfsError EJOURNAL, EOUTSIDE, or an OS error other than ENOENT.
 */
export const verifyStore = async (ctx: StoreContext, { paths, onProgress, quick = false }: VerifyStoreOptions = {}): Promise<VerifyReport> => {
  const list = await entries(ctx, paths);
  const problems: Problem[] = [];
  let done = 0;
  for (const [rel, m] of list) {
    const p = await checkOne(ctx, rel, m, { quick });
    if (p !== undefined) problems.push(p);
    onProgress?.(++done, list.length);
  }
  return { checked: list.length, ok: list.length - problems.length, problems };
};

/** The files changed behind the store's back, as `status()` and `watch` report them. */
export const externalChanges = (report: VerifyReport): ExternalChange[] =>
  report.problems.flatMap((p): ExternalChange[] =>
    p.expected === undefined || p.kind === 'unindexed'
      ? []
      : [{ path: p.path, kind: p.kind === 'missing' ? 'deleted' : 'modified', expected: p.expected, ...(p.actual === undefined ? {} : { actual: p.actual }) }],
  );
