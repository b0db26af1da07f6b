/**
 * A `FileSystem` wrapper that records every call and fails the chosen ones with a chosen errno:
 * how tests produce ENOSPC, EIO on fsync, EACCES and friends where the real fault cannot be had.
 */
import { errnoError, fromOsError } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/fileSystem.js';

/** The name of each kind of call, as counted and as targeted by a fault. Handle calls are named after their syscall. */
export type FsCallKind =
  | 'open' | 'readFile' | 'readStream' | 'stat' | 'lstat' | 'rename' | 'link' | 'unlink' | 'readdir' | 'mkdir' | 'rmdir'
  | 'copyFile' | 'chmod' | 'utimes' | 'symlink' | 'realpath' | 'syncDir' | 'unlinkSync'
  | 'write' | 'read' | 'sync' | 'datasync' | 'fstat' | 'truncate' | 'fchown' | 'close';

/** One recorded call. */
export interface FsCallRecord {
  readonly index: number;
  readonly kind: FsCallKind;
  readonly path: string;
  readonly to?: string;
}

/** A fault: the `nth` call (1-based) of `kind` (or of any kind with '*') fails with `errno`; 'always' fails every later matching call too. */
export interface Fault {
  readonly kind: FsCallKind | '*';
  readonly nth: number;
  readonly errno: string;
  readonly mode?: 'once' | 'always';
  /** Only calls whose path contains this string count. */
  readonly pathIncludes?: string;
}

/** A FileSystem that records its calls and injects faults. */
export interface FaultyFileSystem extends FileSystem {
  readonly trace: readonly FsCallRecord[];
  /** Faults that have fired. */
  readonly fired: readonly FsCallRecord[];
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Makes every write write at most `bytes` bytes (a short write), or none when undefined. */
  limitWrites(bytes: number | undefined): void;
}

interface ArmedFault extends Fault {
  seen: number;
}

/** Options of the fault injector. */
export interface FaultyOptions {
  /** The platform it says it is (`FileSystem.platform`; default `base`'s): 'win32' makes a write retry renames as on Windows. */
  readonly platform?: string;
}

/** Wraps `base`; faults may be given now or injected later. */
export const createFaultyFileSystem = (base: FileSystem, initial: readonly Fault[] = [], options: FaultyOptions = {}): FaultyFileSystem => {
  const platform = options.platform ?? base.platform;
  const trace: FsCallRecord[] = [];
  const fired: FsCallRecord[] = [];
  let faults: ArmedFault[] = initial.map((f) => ({ ...f, seen: 0 }));
  let writeLimit: number | undefined;

  const enter = (kind: FsCallKind, path: string, to?: string): void => {
    const rec: FsCallRecord = to === undefined ? { index: trace.length, kind, path } : { index: trace.length, kind, path, to };
    trace.push(rec);
    for (const f of faults) {
      if (f.kind !== '*' && f.kind !== kind) continue;
      if (f.pathIncludes !== undefined && !path.includes(f.pathIncludes) && !(to ?? '').includes(f.pathIncludes)) continue;
      f.seen += 1;
      if (f.seen === f.nth || (f.mode === 'always' && f.seen > f.nth)) {
        fired.push(rec);
        throw fromOsError(errnoError(f.errno, kind, path), path, kind);
      }
    }
  };

  const call = <A>(kind: FsCallKind, path: string, f: () => Promise<A>, to?: string): Promise<A> => {
    try {
      enter(kind, path, to);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return f();
  };

  const wrapHandle = (h: FileHandle, path: string): FileHandle => ({
    write: (buffer, offset, length, position) =>
      call('write', path, () => h.write(buffer, offset, writeLimit === undefined ? length : Math.min(length, writeLimit), position)),
    read: (buffer, offset, length, position) => call('read', path, () => h.read(buffer, offset, length, position)),
    sync: () => call('sync', path, () => h.sync()),
    datasync: () => call('datasync', path, () => h.datasync()),
    stat: () => call('fstat', path, () => h.stat()),
    truncate: (length) => call('truncate', path, () => h.truncate(length)),
    ...(h.chown === undefined ? {} : { chown: (uid: number, gid: number) => call('fchown', path, async () => h.chown?.(uid, gid)) }),
    // A failed close still releases the descriptor underneath, as close(2) does.
    close: async () => {
      try {
        enter('close', path);
      } catch (e) {
        await h.close();
        throw e;
      }
      await h.close();
    },
  });

  async function* readStream(path: string, options?: { readonly start?: number; readonly end?: number; readonly chunkSize?: number }): AsyncIterable<Uint8Array> {
    enter('readStream', path);
    yield* base.readStream(path, options);
  }

  return {
    ...(platform === undefined ? {} : { platform }),
    get trace() {
      return trace;
    },
    get fired() {
      return fired;
    },
    inject: (fault) => {
      faults.push({ ...fault, seen: 0 });
    },
    clearFaults: () => {
      faults = [];
    },
    limitWrites: (bytes) => {
      writeLimit = bytes;
    },
    open: (path, flags, mode) => call('open', path, async () => wrapHandle(await base.open(path, flags, mode), path)),
    readFile: (path) => call('readFile', path, () => base.readFile(path)),
    readStream,
    stat: (path) => call('stat', path, () => base.stat(path)),
    lstat: (path) => call('lstat', path, () => base.lstat(path)),
    rename: (from, to) => call('rename', from, () => base.rename(from, to), to),
    link: (existing, to) => call('link', existing, () => base.link(existing, to), to),
    unlink: (path) => call('unlink', path, () => base.unlink(path)),
    ...(base.unlinkSync === undefined
      ? {}
      : {
          unlinkSync: (path: string) => {
            enter('unlinkSync', path);
            base.unlinkSync?.(path);
          },
        }),
    readdir: (path) => call('readdir', path, () => base.readdir(path)),
    mkdir: (path, options) => call('mkdir', path, () => base.mkdir(path, options)),
    rmdir: (path) => call('rmdir', path, () => base.rmdir(path)),
    copyFile: (from, to, options) => call('copyFile', from, () => base.copyFile(from, to, options), to),
    chmod: (path, mode) => call('chmod', path, () => base.chmod(path, mode)),
    utimes: (path, a, m) => call('utimes', path, () => base.utimes(path, a, m)),
    symlink: (target, path) => call('symlink', path, () => base.symlink(target, path)),
    realpath: (path) => call('realpath', path, () => base.realpath(path)),
    syncDir: (path) => call('syncDir', path, () => base.syncDir(path)),
  };
};
