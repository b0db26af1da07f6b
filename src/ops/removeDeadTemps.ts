/**
 * Temp files of dead writers: a writer SIGKILLed (or a machine losing power) mid-write leaves its temp behind, and no
 * exit handler ran. The next writeFileAtomic of that target removes the temps its dead writers left — of the file, of
 * its sidecar and of its backup index beside it — and never one of a writer that may still run (`writers.ts`).
 */
import { basename, dirname, join } from 'node:path';
import { hasCode } from '../errors.js';
import { io, runAsync, runSync, type Dual } from '../fs/dual.js';
import type { FileSystem } from '../fs/fileSystem.js';
import type { SyncFileSystem } from '../fs/syncFileSystem.js';
import { checksumFilePath } from '../integrity/sidecar.js';
import { writerOfId } from './localId.js';
import { siblingIndexPath } from './siblingBackupIndex.js';
import { parseTempName, tempFileName } from './tempName.js';
import type { WriterIdentity, Writers } from './writers.js';

/** The temps writeFileAtomic made for `targetAbs` (or its sidecar or backup index) beside it, each with its writer. */
function* tempsOf(targetAbs: string): Dual<Array<{ readonly path: string; readonly writer: WriterIdentity }>> {
  const dir = dirname(targetAbs);
  const names = new Set([basename(targetAbs), basename(checksumFilePath(targetAbs)), basename(siblingIndexPath(dir, basename(targetAbs)))]);
  let entries: string[];
  try {
    entries = yield* io('readdir', dir);
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return [];
    throw e;
  }
  const out: Array<{ readonly path: string; readonly writer: WriterIdentity }> = [];
  for (const entry of entries) {
    const parsed = parseTempName(entry);
    const writer = parsed === undefined ? undefined : writerOfId(parsed.id);
    if (parsed === undefined || writer === undefined) continue;
    // The name must be the one staging gives that target (a long name is cut the same way), not merely look like it.
    if ([...names].some((n) => tempFileName(n, parsed.id, parsed.n) === entry)) out.push({ path: join(dir, entry), writer });
  }
  return out;
}

/** Removes one temp; 1 when it did, 0 when it was gone already. */
function* removeTemp(path: string): Dual<number> {
  try {
    yield* io('unlink', path);
    return 1;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return 0;
    throw e;
  }
}

/**
 * Removes, in the directory of `targetAbs`, the temp files writeFileAtomic made for it (or its sidecar or backup index)
 * whose writer `writers` says is certainly dead; a store's temps (its journal decides) and names of any other shape are
 * never touched. Returns how many it removed.
 * @throws TxfsError EACCES, EIO … from readdir or unlink (ENOENT: nothing to remove).
 */
export const removeDeadTemps = async (fs: FileSystem, targetAbs: string, writers: Writers): Promise<number> => {
  let removed = 0;
  for (const t of await runAsync(fs, tempsOf(targetAbs))) if (await writers.isGone(t.writer)) removed += await runAsync(fs, removeTemp(t.path));
  return removed;
};

/**
 * `removeDeadTemps`, synchronously (`writers.isGoneSync`; a table without it removes nothing).
 * @throws TxfsError EACCES, EIO … from readdir or unlink (ENOENT: nothing to remove).
 */
export const removeDeadTempsSync = (fs: SyncFileSystem, targetAbs: string, writers: Writers): number => {
  let removed = 0;
  for (const t of runSync(fs, tempsOf(targetAbs))) if (writers.isGoneSync?.(t.writer) === true) removed += runSync(fs, removeTemp(t.path));
  return removed;
};
