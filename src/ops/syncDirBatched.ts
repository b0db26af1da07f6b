/**
 * Directory fsyncs with group commit: concurrent writers in one directory share fsyncs.
 */
import type { FileSystem } from '../fs/fileSystem.js';

interface DirState {
  running: Promise<void> | undefined;
  next: Promise<void> | undefined;
}

const states = new WeakMap<FileSystem, Map<string, DirState>>();

/**
 * Makes every entry change made in `dir` before the call durable. When an fsync of `dir` is already running,
 * it may have started before the caller's change, so the caller joins the next one, which starts when the running
 * one ends and is shared by everyone who asked meanwhile: N concurrent writers cost about two fsyncs, not N.
 * @throws TxfsError EIO, ENOENT … from the file system (every caller of a failed fsync sees its error).
 */
export const syncDirBatched = (fs: FileSystem, dir: string): Promise<void> => {
  let byDir = states.get(fs);
  if (byDir === undefined) states.set(fs, (byDir = new Map<string, DirState>()));
  let st = byDir.get(dir);
  if (st === undefined) byDir.set(dir, (st = { running: undefined, next: undefined }));
  const state = st;
  const map = byDir;
  const start = (): Promise<void> => {
    const p = fs.syncDir(dir).finally(() => {
      if (state.running === p) state.running = undefined;
      if (state.running === undefined && state.next === undefined) map.delete(dir);
    });
    state.running = p;
    return p;
  };
  if (state.running === undefined) return start();
  if (state.next === undefined) {
    const after = (): Promise<void> => {
      state.next = undefined;
      return start();
    };
    state.next = state.running.then(after, after);
  }
  return state.next;
};
