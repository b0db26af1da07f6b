/**
 * How a caller shapes the temp file of one atomic write and the owner it gets: what the drop-in APIs of
 * `txfs/compat/*` need (write-file-atomic's `tmpfileCreated` and `chown`, atomically's `tmpCreate`, `tmpCreated`,
 * `tmpPurge` and `chown`), for the asynchronous write and the synchronous one alike.
 */
import { dirname, resolve } from 'node:path';
import { TxfsError } from '../errors.js';
import { describeValue } from './optionChecks.js';
import { tempName } from './tempName.js';

/** The temp file of a write, as a caller shapes it. */
export interface TempHooks {
  /** Its path, given the destination (absolute, symlinks resolved); it must be in the destination's directory. */
  readonly path?: (dest: string) => unknown;
  /** Called with its path once it is created, before anything is written; awaited, and what it throws fails the write. */
  readonly created?: (tempPath: string) => unknown;
  /** Leave it in place after a failure (and at exit): its content is then not lost with the write. Default false. */
  readonly keep?: boolean;
}

/** The owner a write gives the new file: `undefined` keeps the replaced file's (the default), `null` leaves it to the writer. */
export type OwnerChoice = { readonly uid: number; readonly gid: number } | null | undefined;

/**
 * The temp file of a write to `dest`: the caller's (`hooks.path`), or `.<name>.<id>.0.txfs-tmp` beside it, with `id`
 * asked for only then.
 * @throws TypeError when `hooks.path` gives something other than a string; TxfsError EINVAL when that path is not in
 *   the directory of `dest` (a rename from another directory is not atomic, or fails with EXDEV) or is `dest` itself.
 */
export const tempPathFor = (hooks: TempHooks | undefined, dest: string, id: () => string): string => {
  if (hooks?.path === undefined) return tempName(dest, id(), 0);
  const chosen = hooks.path(dest);
  if (typeof chosen !== 'string' || chosen.length === 0) throw new TypeError(`the temp path chosen for ${dest} must be a non-empty string, got ${describeValue(chosen)}`);
  const abs = resolve(chosen);
  if (dirname(abs) !== dirname(dest) || abs === dest) {
    throw new TxfsError('EINVAL', `EINVAL: the temp file of ${dest} must be another name in the same directory (${dirname(dest)}), so that the rename is atomic; got ${chosen}`, { path: dest });
  }
  return abs;
};

/** The owner to give the new file: the caller's choice, else `kept` (the replaced file's, where it must be carried over). */
export const ownerFor = (choice: OwnerChoice, kept: { readonly uid: number; readonly gid: number } | undefined): { readonly uid: number; readonly gid: number } | undefined =>
  choice === undefined ? kept : (choice ?? undefined);
