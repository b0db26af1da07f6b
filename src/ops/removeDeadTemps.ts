/**
 * Temp files of dead writers: a writer SIGKILLed (or a machine losing power) mid-write leaves its temp behind, and no
 * exit handler ran. A later writeFileAtomic of that target removes the temps its dead writers left — of the file, of
 * its sidecar and of its backup index beside it — and never one of a writer that may still run (`writers.ts`).
 *
 * A listing costs O(entries of the directory), so a target whose last look found nothing left by another writer
 * (every such temp removed, none of a writer still running) is looked at again only `QUIET_MS` later: writes one after
 * another list its directory about once a second, not once each. A temp of a writer that may still run keeps the
 * target looked at on every write, until that writer is seen dead and its temp removed.
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

/** How long a target whose last look found nothing left by another writer goes without another look. */
export const QUIET_MS = 1000;
/** Past this many targets, the oldest looks are forgotten (a later write of those targets just looks again). */
const MAX_QUIET = 4096;
/** When each target of each file system (another one is another disk) was last found quiet (`performance.now()`), oldest first. */
const quietAt = new WeakMap<object, Map<string, number>>();
const quietOf = (fs: object): Map<string, number> => {
  let m = quietAt.get(fs);
  if (m === undefined) quietAt.set(fs, (m = new Map<string, number>()));
  return m;
};

/** True when `targetAbs` is due a look (never looked at, or found quiet at least `QUIET_MS` ago). */
const due = (fs: object, targetAbs: string): boolean => {
  const at = quietAt.get(fs)?.get(targetAbs);
  return at === undefined || performance.now() - at >= QUIET_MS;
};

/** Notes whether the look at `targetAbs` left it quiet: no temp of another writer there any more. */
const noteLook = (fs: object, targetAbs: string, quiet: boolean): void => {
  const m = quietOf(fs);
  m.delete(targetAbs);
  if (!quiet) return;
  if (m.size >= MAX_QUIET) m.delete(m.keys().next().value as string);
  m.set(targetAbs, performance.now());
};

/** Whether `w` is this very process (its own temps, of a write in flight, are never a reason to look again). */
const isMe = (w: WriterIdentity, me: WriterIdentity | undefined): boolean => me !== undefined && w.pid === me.pid && w.start === me.start && w.host === me.host;

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
 * never touched. Nothing is listed when the target was found quiet less than `QUIET_MS` ago. Returns how many it removed.
 * @throws TxfsError EACCES, EIO … from readdir or unlink (ENOENT: nothing to remove).
 */
export const removeDeadTemps = async (fs: FileSystem, targetAbs: string, writers: Writers): Promise<number> => {
  if (!due(fs, targetAbs)) return 0;
  let removed = 0;
  let quiet = true;
  const me = await writers.self().catch(() => undefined);
  for (const t of await runAsync(fs, tempsOf(targetAbs))) {
    if (isMe(t.writer, me)) continue;
    if (await writers.isGone(t.writer)) removed += await runAsync(fs, removeTemp(t.path));
    else quiet = false;
  }
  noteLook(fs, targetAbs, quiet);
  return removed;
};

/**
 * `removeDeadTemps`, synchronously (`writers.isGoneSync`; a table without it removes nothing).
 * @throws TxfsError EACCES, EIO … from readdir or unlink (ENOENT: nothing to remove).
 */
export const removeDeadTempsSync = (fs: SyncFileSystem, targetAbs: string, writers: Writers): number => {
  if (!due(fs, targetAbs)) return 0;
  let removed = 0;
  let quiet = true;
  const me = writers.selfSync?.();
  for (const t of runSync(fs, tempsOf(targetAbs))) {
    if (isMe(t.writer, me)) continue;
    if (writers.isGoneSync?.(t.writer) === true) removed += runSync(fs, removeTemp(t.path));
    else quiet = false;
  }
  noteLook(fs, targetAbs, quiet);
  return removed;
};
