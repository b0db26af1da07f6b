/**
 * The options of `openStore`, checked before anything is opened, created or recovered: each value's type and range
 * (`checkStoreOptions`), and where the backups may live (`checkBackupPlacement`: never where the store's own writes
 * could reach them).
 */
import * as path from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { checkBoolean, checkNumber, checkOneOf, checkPathOption, optionTypeError } from '../ops/optionChecks.js';
import { checkBackupPolicy } from '../ops/writeOptions.js';
import type { StoreOptions } from '../types.js';

/** Default `lockTimeoutMs`. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** The longest `lockTimeoutMs`: the longest timer Node can set (2^31 − 1 ms, about 24.8 days). */
export const MAX_LOCK_TIMEOUT_MS = 2 ** 31 - 1;

const where = 'openStore';

const checkObject = (name: string, v: unknown, methods: readonly string[] = []): void => {
  if (v === undefined) return;
  const o = v as Record<string, unknown> | null;
  if (typeof v !== 'object' || o === null || methods.some((m) => typeof o[m] !== 'function')) {
    throw optionTypeError(where, name, methods.length === 0 ? 'an object' : `an object with ${methods.join(', ')}`, v);
  }
};

const isWithin = (dir: string, p: string): boolean => {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
};

/**
 * Checks every option of `openStore` (types, sets, ranges) and returns them; nothing is touched.
 * @throws TypeError (wrong type, unknown value), TxfsError EINVAL (an empty root or state directory, a state
 *   directory that is the root or above it, a number out of range: the message names the bound).
 */
export const checkStoreOptions = (v: unknown): StoreOptions => {
  if (typeof v !== 'object' || v === null) throw optionTypeError(where, 'options', 'an object with a root', v);
  const o = v as Readonly<Record<string, unknown>>;
  if (typeof o.root !== 'string') throw optionTypeError(where, 'options.root', 'a string', o.root);
  checkPathOption(where, 'options.root', o.root);
  checkPathOption(where, 'options.stateDir', o.stateDir);
  if (typeof o.stateDir === 'string' && isWithin(path.resolve(o.root, o.stateDir), path.resolve(o.root))) {
    throw new TxfsError('EINVAL', `EINVAL: ${where}: options.stateDir ${JSON.stringify(o.stateDir)} is the root or above it; put the state directory inside the root or elsewhere`);
  }
  checkBoolean(where, 'options.recover', o.recover);
  checkBackupPolicy(where, 'options.backups', o.backups);
  checkNumber(where, 'options.lockTimeoutMs', o.lockTimeoutMs, { min: 0, max: MAX_LOCK_TIMEOUT_MS, unit: 'ms', why: 'the longest timer Node can set' });
  checkObject('options.logger', o.logger, ['debug', 'info', 'warn', 'error']);
  checkObject('options.fs', o.fs);
  checkObject('options.journal', o.journal);
  checkObject('options.processes', o.processes);
  checkOneOf(where, 'options.durability', o.durability, ['full', 'atomic', 'none']);
  return o as unknown as StoreOptions;
};

/** The canonical form of `abs`, or of its deepest existing ancestor with the missing rest appended. */
const realOfDeepestExisting = async (fs: FileSystem, abs: string): Promise<string> => {
  const rest: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    try {
      return path.join(await fs.realpath(p), ...rest.reverse());
    } catch (e) {
      if (!hasCode(e, 'ENOENT', 'ENOTDIR') || path.dirname(p) === p) throw e;
      rest.push(path.basename(p));
    }
  }
};

/** Where a store's directories are, as given (resolved) and with the root's links resolved. */
export interface StorePlaces {
  readonly root: string;
  readonly rootReal: string;
  readonly stateDir: string;
  readonly backupDir: string;
}

/**
 * Refuses a backup directory that the store's own writes could reach: inside the root but not under the state
 * directory, the root itself, or above the root — by its spelling and through symbolic links. Touches nothing.
 * @throws TxfsError EINVAL naming `backups.dir`; ELOOP, EACCES … from realpath.
 */
export const checkBackupPlacement = async (fs: FileSystem, at: StorePlaces): Promise<void> => {
  const refuse = (how: string): TxfsError =>
    new TxfsError('EINVAL', `EINVAL: ${where}: options.backups.dir ${at.backupDir} ${how}; ordinary writes and deletes in the store could destroy backups there. Leave it unset (default <stateDir>/backups), or choose a directory under the state directory or outside the root`, {
      path: at.backupDir,
    });
  const reachable = (backup: string, root: string, state: string): boolean => !isWithin(state, backup) && (isWithin(root, backup) || isWithin(backup, root));
  if (reachable(at.backupDir, at.root, at.stateDir)) throw refuse('is inside the root (or holds it)');
  const [backupReal, stateReal] = await Promise.all([realOfDeepestExisting(fs, at.backupDir), realOfDeepestExisting(fs, at.stateDir)]);
  if (reachable(backupReal, at.rootReal, stateReal)) throw refuse(`leads into the root through a symbolic link (to ${backupReal})`);
};
