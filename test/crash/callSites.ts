/**
 * Which line of txfs made each FileSystem call: a wrapper that notes the caller (the first stack frame in
 * `src/` outside the fs layer and the simulator) of every call, so the fault loops can prove that an injected
 * failure reached every call site.
 */
import type { FileHandle, FileSystem } from '../../src/fs/fileSystem.js';

/** Call sites seen (`src/ops/stageFile.ts:42 open`) and the number of calls from each. */
export type SiteCounts = Map<string, number>;

const siteOf = (probe: Error, method: string): string | undefined => {
  for (const line of (probe.stack ?? '').split('\n').slice(1)) {
    const m = /\/(src\/[^:()]+):(\d+)/.exec(line);
    if (m === null) continue;
    const file = m[1] as string;
    if (file.startsWith('src/fs/') || file.startsWith('src/testing/')) continue;
    return `${file}:${m[2] as string} ${method}`;
  }
  return undefined;
};

/**
 * Wraps `base` (typically a fault-injecting file system): a call's site is counted in `sites` when `all()` is true,
 * or when the call made `fired()` grow (the injected fault hit it). Resolving a stack costs; most calls skip it.
 */
export const recordCallSites = (base: FileSystem, sites: SiteCounts, all: () => boolean, fired: () => number): FileSystem => {
  const count = (probe: Error, method: string, before: number): void => {
    if (!all() && fired() === before) return;
    const site = siteOf(probe, method);
    if (site !== undefined) sites.set(site, (sites.get(site) ?? 0) + 1);
  };
  const track = <A>(method: string, run: () => Promise<A>): Promise<A> => {
    const probe = new Error('call site');
    const before = fired();
    const p = run();
    count(probe, method, before);
    return p;
  };
  const wrapHandle = (h: FileHandle): FileHandle => ({
    write: (b, o, l, p) => track('write', () => h.write(b, o, l, p)),
    read: (b, o, l, p) => track('read', () => h.read(b, o, l, p)),
    sync: () => track('sync', () => h.sync()),
    datasync: () => track('datasync', () => h.datasync()),
    stat: () => track('fstat', () => h.stat()),
    truncate: (l) => track('truncate', () => h.truncate(l)),
    close: () => track('close', () => h.close()),
  });
  return {
    open: (path, flags, mode) => track('open', async () => wrapHandle(await base.open(path, flags, mode))),
    readFile: (path) => track('readFile', () => base.readFile(path)),
    readStream: (path, options) => {
      const probe = new Error('call site');
      const source = base.readStream(path, options);
      // The fault injector counts a stream when it is first read, not when it is made.
      return (async function* () {
        const before = fired();
        try {
          yield* source;
        } finally {
          count(probe, 'readStream', before);
        }
      })();
    },
    stat: (path) => track('stat', () => base.stat(path)),
    lstat: (path) => track('lstat', () => base.lstat(path)),
    rename: (from, to) => track('rename', () => base.rename(from, to)),
    link: (from, to) => track('link', () => base.link(from, to)),
    unlink: (path) => track('unlink', () => base.unlink(path)),
    readdir: (path) => track('readdir', () => base.readdir(path)),
    mkdir: (path, options) => track('mkdir', () => base.mkdir(path, options)),
    rmdir: (path) => track('rmdir', () => base.rmdir(path)),
    copyFile: (from, to, options) => track('copyFile', () => base.copyFile(from, to, options)),
    chmod: (path, mode) => track('chmod', () => base.chmod(path, mode)),
    utimes: (path, a, m) => track('utimes', () => base.utimes(path, a, m)),
    symlink: (target, path) => track('symlink', () => base.symlink(target, path)),
    realpath: (path) => track('realpath', () => base.realpath(path)),
    syncDir: (path) => track('syncDir', () => base.syncDir(path)),
  };
};
