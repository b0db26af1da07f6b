/**
 * Replacing one of txfs's own small files (a sidecar checksum, a sibling-backup index) atomically, beside the file.
 */
import type { FileSystem } from '../fs/fileSystem.js';
import { newFileMode } from './fileMode.js';
import { localId } from './localId.js';
import { removeOnExit } from './removeOnExit.js';
import { namingTarget, stageFile } from './stageFile.js';
import { tempName } from './tempName.js';

/**
 * Replaces `abs` with `content` atomically: a temp file beside it (fdatasynced unless `sync` is false; removed on a
 * failure and should the process exit meanwhile) renamed over it. Does not fsync the directory: the caller does.
 * Errors name `abs` (the temp mentioned beside it).
 * @throws TxfsError ENOSPC, EACCES, EROFS, EISDIR (a directory in its place), EIO … from the file system.
 */
export const replaceSmallFile = async (fs: FileSystem, abs: string, content: string, options: { readonly sync: boolean }): Promise<void> => {
  const temp = tempName(abs, await localId(), 0);
  const settled = removeOnExit(fs, temp);
  try {
    const staged = await stageFile(fs, temp, content, { mode: newFileMode(), sync: options.sync, target: abs });
    try {
      await fs.rename(staged.tempPath, abs);
    } catch (e) {
      await fs.unlink(staged.tempPath).catch(() => undefined);
      throw namingTarget(e, abs, staged.tempPath);
    }
  } finally {
    settled();
  }
};
