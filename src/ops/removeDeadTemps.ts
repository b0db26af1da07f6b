/**
 * Temp files of dead writers: a writer SIGKILLed (or a machine losing power) mid-write leaves its temp behind, and no
 * exit handler ran. The next writeFileAtomic of that target removes the temps its dead writers left — of the file, of
 * its sidecar and of its backup index beside it — and never one of a writer that may still run (`writers.ts`).
 */
import { basename, dirname, join } from 'node:path';
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { checksumFilePath } from '../integrity/sidecar.js';
import { writerOfId } from './localId.js';
import { siblingIndexPath } from './siblingBackupIndex.js';
import { parseTempName, tempFileName } from './tempName.js';
import type { Writers } from './writers.js';

/**
 * Removes, in the directory of `targetAbs`, the temp files writeFileAtomic made for it (or its sidecar or backup index)
 * whose writer `writers` says is certainly dead; a store's temps (its journal decides) and names of any other shape are
 * never touched. Returns how many it removed.
 * @throws TxfsError EACCES, EIO … from readdir or unlink (ENOENT: nothing to remove).
 */
export const removeDeadTemps = async (fs: FileSystem, targetAbs: string, writers: Writers): Promise<number> => {
  const dir = dirname(targetAbs);
  const names = new Set([basename(targetAbs), basename(checksumFilePath(targetAbs)), basename(siblingIndexPath(dir, basename(targetAbs)))]);
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return 0;
    throw e;
  }
  let removed = 0;
  for (const entry of entries) {
    const parsed = parseTempName(entry);
    const writer = parsed === undefined ? undefined : writerOfId(parsed.id);
    if (parsed === undefined || writer === undefined) continue;
    // The name must be the one staging gives that target (a long name is cut the same way), not merely look like it.
    if (![...names].some((n) => tempFileName(n, parsed.id, parsed.n) === entry)) continue;
    if (!(await writers.isGone(writer))) continue;
    try {
      await fs.unlink(join(dir, entry));
      removed++;
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw e;
    }
  }
  return removed;
};
