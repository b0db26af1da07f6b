/**
 * Step 7 for one staged file: putting the temp file in place, replacing the target or never replacing anything.
 */
import { errnoError, fromOsError, hasCode } from '../errors.js';
import type { FileStat, FileSystem } from '../fs/fileSystem.js';
import { renameWithRetry } from './renameRetry.js';

/** The largest file a rename made at once may replace (bytes): freeing a larger one could hold the event loop. */
export const RENAME_AT_ONCE_MAX_BYTES = 1024 * 1024;

/**
 * True when a rename over `replaced` (the target as last seen; undefined: nothing there) may run at once on the event
 * loop: it frees nothing that could take long (no file, a file of at most `RENAME_AT_ONCE_MAX_BYTES`, or one that
 * another name keeps). One metadata call then costs less than the thread-pool round trip it saves.
 */
export const renamesAtOnce = (replaced: FileStat | undefined): boolean =>
  replaced === undefined || replaced.size <= RENAME_AT_ONCE_MAX_BYTES || replaced.nlink > 1;

/** Errors of link(2) on filesystems without hard links, where rename must do. */
const noLinks = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP'];

/**
 * Renames `tempPath` over `dest` (atomic replace), or with `exclusive` links it to `dest` and removes the temp name,
 * so that a file created at `dest` meanwhile is never clobbered (EEXIST instead). On a filesystem without hard
 * links the exclusive form falls back to a check then rename. On win32 a rename is retried while another process holds
 * the file (`renameRetry.ts`). `replacing`: the target as last seen, which says whether the rename may run at once
 * (`renamesAtOnce`).
 * @throws TxfsError EEXIST (exclusive, `dest` taken: the temp file is left for the caller), ENOENT, EACCES, EIO …
 */
export const installFile = async (fs: FileSystem, tempPath: string, dest: string, exclusive: boolean, replacing?: FileStat): Promise<void> => {
  if (!exclusive) return renameWithRetry(fs, tempPath, dest, { atOnce: renamesAtOnce(replacing) });
  try {
    await fs.link(tempPath, dest);
  } catch (e) {
    if (!hasCode(e, ...noLinks)) throw e;
    const taken = await fs.lstat(dest).then(
      () => true,
      (err: unknown) => {
        if (hasCode(err, 'ENOENT')) return false;
        throw err;
      },
    );
    if (taken) throw fromOsError(errnoError('EEXIST', 'link', dest), dest, 'link');
    return renameWithRetry(fs, tempPath, dest);
  }
  await fs.unlink(tempPath);
};
