/**
 * Where a path given to a store leads: inside the root, or `EOUTSIDE`. Checked lexically (`..`, absolute
 * paths) and through the file system (a symbolic link leading out at any depth), before anything is touched.
 */
import * as path from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { MAX_PATH_BYTES } from '../journal/records/txRecord.js';
import { isWithin } from '../fs/isWithin.js';

/** A path inside a store: relative to the root with `/` separators, and absolute. */
export interface StorePath {
  readonly rel: string;
  readonly abs: string;
}

/** Where a store's paths are checked against. */
export interface PathScope {
  readonly root: string;
  readonly rootReal: string;
  readonly stateDir: string;
  readonly stateDirReal: string;
}

const outside = (given: string, why: string): TxfsError =>
  new TxfsError('EOUTSIDE', `EOUTSIDE: ${JSON.stringify(given)} ${why}; a store only touches files inside its root`, { path: given });


/** The canonical form of `abs` or of its deepest existing ancestor (the part that exists is what a link can redirect). */
const realOfDeepestExisting = async (fs: FileSystem, abs: string): Promise<string> => {
  let p = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await fs.realpath(p), ...rest.reverse());
    } catch (e) {
      const parent = path.dirname(p);
      if (!hasCode(e, 'ENOENT', 'ENOTDIR') || parent === p) throw e;
      rest.push(path.basename(p));
      p = parent;
    }
  }
};

/**
 * Resolves `given` (relative to the root, or absolute inside it) to a store path.
 * @throws TxfsError EOUTSIDE when it leads outside the root or into the state directory; EINVAL for the root itself
 *   or an empty path; ELOOP, EACCES … from realpath.
 * @example await resolveStorePath(fs, scope, 'docs/a.txt') // { rel: 'docs/a.txt', abs: '/srv/r/docs/a.txt' }
 */
export const resolveStorePath = async (fs: FileSystem, scope: PathScope, given: string): Promise<StorePath> => {
  const p = lexicalStorePath(scope, given);
  await checkNoLinkOut(fs, scope, given, p.abs);
  return p;
};

/**
 * The store path of `given` by its spelling alone (`..`, absolute paths, the state directory): the first half of
 * `resolveStorePath`, for callers that run the link check alongside other work.
 * @throws TxfsError EOUTSIDE, EINVAL, ENAMETOOLONG (over `MAX_PATH_BYTES`); TypeError for a non-string.
 */
export const lexicalStorePath = (scope: PathScope, given: string): StorePath => {
  if (typeof given !== 'string') throw new TypeError(`a store path must be a string, got ${typeof given}`);
  if (given.length === 0 || given.includes('\0')) throw new TxfsError('EINVAL', `EINVAL: ${JSON.stringify(given)} is not a file path`, { path: given });
  const abs = path.resolve(scope.root, given);
  if (!isWithin(scope.root, abs)) throw outside(given, 'is outside the root');
  if (abs === scope.root) throw new TxfsError('EINVAL', `EINVAL: ${JSON.stringify(given)} is the store's root, not a file in it`, { path: given });
  if (isWithin(scope.stateDir, abs)) throw outside(given, "is inside the store's state directory");
  const rel = path.relative(scope.root, abs).split(path.sep).join('/');
  if (Buffer.byteLength(rel, 'utf8') > MAX_PATH_BYTES) {
    throw new TxfsError('ENAMETOOLONG', `ENAMETOOLONG: ${JSON.stringify(given.slice(0, 60))}… is ${Buffer.byteLength(rel, 'utf8')} bytes long; a store keeps paths of up to ${MAX_PATH_BYTES} bytes (its journal's keys are bounded)`, { path: given });
  }
  return { rel, abs };
};

/**
 * The second half of `resolveStorePath`: no symbolic link at any depth of `abs` leads outside the root or into the
 * state directory. @throws TxfsError EOUTSIDE; ELOOP, EACCES … from realpath.
 */
export const checkNoLinkOut = async (fs: FileSystem, scope: PathScope, given: string, abs: string): Promise<void> => {
  checkReal(scope, given, await realOfDeepestExisting(fs, abs));
};

const checkReal = (scope: PathScope, given: string, real: string): void => {
  if (!isWithin(scope.rootReal, real) || real === scope.rootReal) throw outside(given, 'leads outside the root through a symbolic link');
  if (isWithin(scope.stateDirReal, real)) throw outside(given, "leads into the store's state directory");
};

/**
 * The canonical form of the directory holding `abs` (or of its deepest existing ancestor, the missing rest appended):
 * what `checkNoLinkOutOf` needs, shareable by every path of one directory. @throws TxfsError ELOOP, EACCES … from realpath.
 */
export const realParentOf = (fs: FileSystem, abs: string): Promise<string> => realOfDeepestExisting(fs, path.dirname(abs));

/**
 * `checkNoLinkOut` when `abs` has just been lstat'ed (`kind`, undefined when absent) and its directory resolved
 * (`realParent`, from `realParentOf`): a path that is not itself a symbolic link leads where its directory leads, so
 * only a link at `abs` costs a realpath of its own. Exactly as strict. @throws TxfsError EOUTSIDE; ELOOP, EACCES ….
 */
export const checkNoLinkOutOf = async (fs: FileSystem, scope: PathScope, given: string, abs: string, kind: string | undefined, realParent: string): Promise<void> => {
  if (kind === 'symlink') await checkNoLinkOut(fs, scope, given, abs);
  else checkReal(scope, given, path.join(realParent, path.basename(abs)));
};

/** The absolute path of a root-relative `rel`. */
export const absOf = (root: string, rel: string): string => path.join(root, ...rel.split('/'));
