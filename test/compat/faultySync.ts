/**
 * A `SyncFileSystem` that records its calls and fails the chosen ones with a chosen errno: the synchronous twin of
 * the fault injector (`src/testing/faultyFileSystem.ts`), for the faults of the compat suites that no real disk gives
 * on demand (EIO on fdatasync, fchown or chmod; a temp that cannot be unlinked).
 */
import { errnoError, fromOsError } from '../../src/errors.js';
import type { SyncFileHandle, SyncFileSystem } from '../../src/fs/syncFileSystem.js';

/** A call kind as recorded: the file system's method name, or a handle's syscall (write, datasync, fchown, close). */
export type SyncCallKind = keyof Omit<SyncFileSystem, 'platform'> | 'write' | 'datasync' | 'fchown' | 'close';

/** A fault: the calls of `kind` whose path contains `pathIncludes` fail with `errno` — the first `times` of them, or all. */
export interface SyncFault {
  readonly kind: SyncCallKind;
  readonly errno: string;
  readonly pathIncludes?: string;
  readonly times?: number;
}

/** The wrapper, its trace and its faults. */
export interface FaultySyncFileSystem extends SyncFileSystem {
  readonly trace: ReadonlyArray<{ readonly kind: SyncCallKind; readonly path: string }>;
  inject(fault: SyncFault): void;
  /** Makes every write write at most `bytes` bytes (a short write), or none when undefined. */
  limitWrites(bytes: number | undefined): void;
}

/** Wraps `base`, saying it is `options.platform` (default `base`'s). */
export const faultySync = (base: SyncFileSystem, options: { readonly platform?: string } = {}): FaultySyncFileSystem => {
  const platform = options.platform ?? base.platform;
  const trace: Array<{ kind: SyncCallKind; path: string }> = [];
  let writeLimit: number | undefined;
  const faults: Array<SyncFault & { fired: number }> = [];
  const enter = (kind: SyncCallKind, path: string): void => {
    trace.push({ kind, path });
    const f = faults.find((x) => x.kind === kind && (x.pathIncludes === undefined || path.includes(x.pathIncludes)) && (x.times === undefined || x.fired < x.times));
    if (f === undefined) return;
    f.fired++;
    throw fromOsError(errnoError(f.errno, kind, path), path, kind);
  };
  const handle = (h: SyncFileHandle, path: string): SyncFileHandle => ({
    write: (b, o, l, p) => (enter('write', path), h.write(b, o, writeLimit === undefined ? l : Math.min(l, writeLimit), p)),
    datasync: () => (enter('datasync', path), h.datasync()),
    ...(h.chown === undefined ? {} : { chown: (uid: number, gid: number) => (enter('fchown', path), h.chown?.(uid, gid)) }),
    close: () => {
      try {
        enter('close', path);
      } finally {
        h.close();
      }
    },
  });
  return {
    get trace() {
      return trace;
    },
    inject: (f) => void faults.push({ ...f, fired: 0 }),
    limitWrites: (bytes) => {
      writeLimit = bytes;
    },
    ...(platform === undefined ? {} : { platform }),
    open: (path, flags, mode) => (enter('open', path), handle(base.open(path, flags, mode), path)),
    readFile: (path) => (enter('readFile', path), base.readFile(path)),
    stat: (path) => (enter('stat', path), base.stat(path)),
    lstat: (path) => (enter('lstat', path), base.lstat(path)),
    realpath: (path) => (enter('realpath', path), base.realpath(path)),
    rename: (from, to) => (enter('rename', from), base.rename(from, to)),
    unlink: (path) => (enter('unlink', path), base.unlink(path)),
    readdir: (path) => (enter('readdir', path), base.readdir(path)),
    mkdir: (path, options) => (enter('mkdir', path), base.mkdir(path, options)),
    chmod: (path, mode) => (enter('chmod', path), base.chmod(path, mode)),
    syncDir: (path) => (enter('syncDir', path), base.syncDir(path)),
  };
};
