/**
 * A FileSystem whose paths below a root cannot be redirected out of it (DESIGN "Paths that cannot be redirected").
 * Every path inside the root is resolved beneath a held handle of the root, one directory at a time, never following
 * a symbolic link (O_NOFOLLOW | O_DIRECTORY); the call then runs on the path of the last directory's handle
 * (`/proc/self/fd/N/name` on Linux: openat/renameat/unlinkat relative to that very directory). A directory swapped
 * for a symbolic link after a path was checked therefore cannot take a write, rename, unlink, link or mkdir out of the
 * root: the walk meets the link and follows it only when it leads inside the root (not into the state directory).
 *
 * Paths outside the root (a backup directory placed elsewhere, `/proc`) pass through unchanged. A FileSystem without
 * `openDirectory` (the crash simulator; platforms without `/proc/self/fd`) is returned as it is: there the checks made
 * when an operation is added are the only ones, and README "Safety" says what window remains.
 */
import * as path from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { DirectoryHandle, FileStat, FileSystem } from './fileSystem.js';
import { isWithin, partsBelow, resolvedPath } from './isWithin.js';
import { slots } from './slots.js';

/** Where the confinement holds. */
export interface Confinement {
  /** The root as paths name it (absolute). */
  readonly root: string;
  /** The root with every link resolved: a link met on the way may lead only below it. */
  readonly rootReal: string;
  /** Canonical directories beside the root where a link met on the way may lead too (a state directory kept elsewhere). */
  readonly alsoWithin: readonly string[];
}

const held = new WeakMap<FileSystem, () => Promise<void>>();

/** Closes the root handle and the kept directory handles a confined FileSystem holds (later calls open them again); nothing for any other FileSystem. */
export const releaseConfinement = async (fs: FileSystem): Promise<void> => {
  await held.get(fs)?.();
};

/** How many links a walk follows (inside the root) before it gives up with ELOOP, as the kernel's MAXSYMLINKS. */
const MAX_LINKS = 40;

/**
 * How many calls below the root's own directory may hold directory handles at once: each holds one or two descriptors
 * for its duration, so a transaction of hundreds of files stays far below the open-file limit.
 */
export const MAX_HELD_DIRECTORIES = 8;

/** How many directory handles below the root are kept between calls (one descriptor each), least recently used going. */
export const MAX_KEPT_DIRECTORIES = 32;

/** `e` with every mention of `resolved` (a `/proc/self/fd/N/…` path) put back as the caller's `given` path. */
const named = (e: unknown, resolved: string, given: string): unknown => {
  if (!(e instanceof TxfsError) || resolved === given || !(e.message.includes(resolved) || e.path === resolved)) return e;
  return new TxfsError(e.code, e.message.split(resolved).join(given), {
    path: e.path === resolved ? given : e.path,
    cause: e.cause,
    syscall: e.syscall,
    conflict: e.conflict,
    holder: e.holder,
    key: e.key,
  });
};

/**
 * What `lstatSync` says of `p` now, undefined when it cannot say (any error: the caller walks afresh). One syscall on a
 * name below a held handle: microseconds, against a thread-pool round trip that costs more than the call.
 */
const lstatNow = (lstatSync: (p: string) => FileStat, p: string): FileStat | undefined => {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
};

const escaped = (p: string, link: string, real: string): TxfsError =>
  new TxfsError('EOUTSIDE', `EOUTSIDE: ${p}: the directory ${link} is now a symbolic link leading to ${real}, outside the store's root; nothing was done there`, { path: p });

/**
 * `fs` confined to `c.root`. Errors: as `fs`, plus EOUTSIDE when a directory on a path has become a link leading
 * outside the root, and ELOOP after too many links.
 */
export const confine = (fs: FileSystem, c: Confinement): FileSystem => {
  const openDirectory = fs.openDirectory?.bind(fs);
  if (openDirectory === undefined) return fs;
  const lstatSync = fs.lstatSync?.bind(fs);
  const root = path.resolve(c.root);
  let rootHandle: Promise<DirectoryHandle> | undefined;
  const rootDir = (): Promise<DirectoryHandle> => {
    if (rootHandle === undefined) {
      const opening = openDirectory(c.rootReal);
      // A failed open is not kept: the next call tries again.
      opening.catch(() => {
        if (rootHandle === opening) rootHandle = undefined;
      });
      rootHandle = opening;
    }
    return rootHandle;
  };

  /**
   * The root itself, named by its canonical path: its own name cannot be changed from inside the root (that takes
   * write access to the directory above it, outside what txfs guards against), so a call on a file directly in the
   * root needs no handle, and walks start from it; the held handle serves its fsync.
   */
  const top: DirectoryHandle = { path: c.rootReal, sync: async () => (await rootDir()).sync(), close: async () => undefined };

  /** A held directory: its handle, and what to do once the call is done (close it, or give a kept one back). */
  type Held = { readonly dir: DirectoryHandle; readonly release: () => Promise<void> };
  const noRelease = async (): Promise<void> => undefined;
  const atTop: Held = { dir: top, release: noRelease };
  const owned = (dir: DirectoryHandle): Held => ({ dir, release: () => dir.close() });

  /**
   * Directory handles kept between calls, by their path below the root (`a/b`), least recently used first. A kept
   * handle is used again only once an lstat through its parent's handle shows that the name still leads to that very
   * directory (same device and inode, not a link): that establishes, one component after the other, what the walk's
   * O_NOFOLLOW opens establish, for one call instead of an open and a close. A directory moved away (inside the root
   * or out of it) or swapped for a link no longer matches: it is dropped and the name walked afresh.
   */
  type Kept = { readonly handle: DirectoryHandle; readonly dev: number; readonly ino: number; users: number; stale: boolean };
  const kept = new Map<string, Kept>();
  /** Counts the releases (`releaseConfinement`): a handle opened before one is not kept after it. */
  let generation = 0;
  const forget = (key: string, k: Kept): void => {
    if (kept.get(key) === k) kept.delete(key);
    k.stale = true;
    if (k.users === 0) k.handle.close().catch(() => undefined);
  };
  const giveBack = (k: Kept) => async (): Promise<void> => {
    k.users--;
    if (k.stale && k.users === 0) await k.handle.close();
  };
  /**
   * lstats of names below held handles in flight: calls that look at the same name below the same handle at the same
   * time share one (by the handle itself, never by its `/proc/self/fd/N` path: a closed handle's number is reused). The
   * look then may have begun a moment before a call asked; what matters is that it ends before that call runs, so the
   * window between the look and the call stays what a walk's has between its open and the call.
   * Where `fs` can lstat at once (`lstatSync`), a look is that one syscall, made when the call asks (measured: a
   * sequential store write 0.87–0.97 of the time with pooled looks, 16 concurrent ones 0.91–1.0), with nothing to share.
   */
  const looking = new WeakMap<DirectoryHandle, Map<string, Promise<FileStat | undefined>>>();
  const lookAt = (parent: DirectoryHandle, part: string): Promise<FileStat | undefined> => {
    if (lstatSync !== undefined) return Promise.resolve(lstatNow(lstatSync, path.join(parent.path, part)));
    let below = looking.get(parent);
    if (below === undefined) looking.set(parent, (below = new Map<string, Promise<FileStat | undefined>>()));
    const inFlight = below;
    let p = inFlight.get(part);
    if (p === undefined) {
      p = fs.lstat(path.join(parent.path, part)).catch(() => undefined);
      inFlight.set(part, p);
      const done = p;
      void done.finally(() => {
        if (inFlight.get(part) === done) inFlight.delete(part);
      });
    }
    return p;
  };
  /** The kept handle of `key`, when `part` in the directory `parent` (a held handle) still leads to it. */
  const keptAt = async (key: string, parent: DirectoryHandle, part: string): Promise<Held | undefined> => {
    const k = kept.get(key);
    if (k === undefined || k.stale) return undefined;
    k.users++; // not closed meanwhile by another call dropping it
    const st = await lookAt(parent, part);
    if (!k.stale && st !== undefined && st.kind === 'directory' && st.dev === k.dev && st.ino === k.ino) {
      kept.delete(key);
      kept.set(key, k);
      return { dir: k.handle, release: giveBack(k) };
    }
    k.users--;
    forget(key, k);
    return undefined;
  };
  /** `handle`, just opened at `key`, kept for later calls (with its own identity) where there is room; else the caller's. */
  const keep = async (key: string, handle: DirectoryHandle): Promise<Held> => {
    const since = generation;
    // stat through `/proc/self/fd/N` follows to the directory the handle holds: its identity, not the name's.
    const st = await fs.stat(handle.path).catch(() => undefined);
    if (st === undefined || since !== generation || kept.has(key)) return owned(handle);
    if (kept.size >= MAX_KEPT_DIRECTORIES) {
      const idle = [...kept].find(([, k]) => k.users === 0);
      if (idle === undefined) return owned(handle);
      forget(...idle);
    }
    const k: Kept = { handle, dev: st.dev, ino: st.ino, users: 1, stale: false };
    kept.set(key, k);
    return { dir: handle, release: giveBack(k) };
  };

  /**
   * Opens the directory at `parts` below `from` (a held handle), one component at a time without following a link; a
   * link met leads on only below the root (walked again from the root handle) or into one of `alsoWithin`. `key` is
   * the path of `from` below the root while no link was followed (handles on such a walk are kept, `kept` above).
   * Returns the last handle, held.
   */
  const descend = async (p: string, from: Held, parts: readonly string[], links: number, key: string | undefined): Promise<Held> => {
    let cur = from;
    for (const [i, part] of parts.entries()) {
      const here = key === undefined ? undefined : key === '' ? part : `${key}/${part}`;
      const again = here === undefined ? undefined : await keptAt(here, cur.dir, part);
      let next: Held;
      if (again !== undefined) next = again;
      else {
        let opened: DirectoryHandle;
        try {
          opened = await openDirectory(path.join(cur.dir.path, part));
        } catch (e) {
          if (!hasCode(e, 'ELOOP', 'ENOTDIR')) {
            await cur.release();
            throw e;
          }
          // A link, or a file where a directory should be: where does it lead?
          const real = await fs.realpath(path.join(cur.dir.path, part)).finally(cur.release);
          const kind = await fs.lstat(real).then((st) => st.kind, () => undefined);
          if (kind !== 'directory') throw e;
          const rest = parts.slice(i + 1);
          if (links >= MAX_LINKS) throw new TxfsError('ELOOP', `ELOOP: ${p}: too many symbolic links on the way`, { path: p });
          const inRoot = partsBelow(c.rootReal, real);
          if (inRoot !== undefined) return descend(p, atTop, [...inRoot, ...rest], links + 1, undefined);
          if (c.alsoWithin.some((d) => isWithin(d, real))) return descend(p, owned(await openDirectory(real)), rest, links + 1, undefined);
          throw escaped(p, part, real);
        }
        next = here === undefined ? owned(opened) : await keep(here, opened);
      }
      await cur.release();
      cur = next;
      key = here;
    }
    return cur;
  };
  /**
   * The kept handle at the end of `parts` (two or more components below the root) when every directory on the way is
   * kept and its name still leads to it, all of them looked at at the same time: one round trip however deep. Each
   * look shows what `keptAt`'s shows, that one name in one directory (held) leads to the next; their order adds
   * nothing, since every look ends before the call runs. Undefined when one is not kept or does not match: the walk
   * then goes step by step, and drops what no longer matches.
   */
  const keptAll = async (parts: readonly string[]): Promise<Held | undefined> => {
    if (parts.length < 2) return undefined;
    const chain: Array<{ readonly key: string; readonly k: Kept }> = [];
    let key = '';
    for (const part of parts) {
      key = key === '' ? part : `${key}/${part}`;
      const k = kept.get(key);
      if (k === undefined || k.stale) return undefined;
      chain.push({ key, k });
    }
    for (const { k } of chain) k.users++; // none closed meanwhile by another call dropping it
    const seen = await Promise.all(parts.map((part, i) => lookAt(i === 0 ? top : (chain[i - 1] as (typeof chain)[number]).k.handle, part)));
    const matches = chain.every(({ k }, i) => {
      const st = seen[i];
      return !k.stale && st !== undefined && st.kind === 'directory' && st.dev === k.dev && st.ino === k.ino;
    });
    const last = chain.at(-1) as (typeof chain)[number];
    for (const { k } of chain.slice(0, -1)) await giveBack(k)();
    if (!matches) {
      await giveBack(last.k)();
      return undefined;
    }
    for (const { key: at, k } of chain) {
      kept.delete(at);
      kept.set(at, k);
    }
    return { dir: last.k.handle, release: giveBack(last.k) };
  };
  const walk = async (p: string, parts: readonly string[]): Promise<Held> => (await keptAll(parts)) ?? descend(p, atTop, parts, 0, '');

  /** A path resolved beneath the root: `path` to call with, `release` once the call is done. */
  type Resolved = { readonly path: string; readonly release: () => Promise<void> };

  const take = slots(MAX_HELD_DIRECTORIES);
  /** How many directory handles resolving `p` holds: none at the root's own level (its handle is held anyway). */
  const depthOf = (p: string, dirToo: boolean): number => ((partsBelow(root, resolvedPath(p))?.length ?? 0) > (dirToo ? 0 : 1) ? 1 : 0);

  /** `p` resolved beneath the root: its directory walked (`dirToo`: the last component as well) and held open. */
  const resolve = async (p: string, { dirToo = false }: { readonly dirToo?: boolean } = {}): Promise<Resolved> => {
    const abs = resolvedPath(p);
    const below = partsBelow(root, abs);
    if (below === undefined) return { path: p, release: noRelease };
    const parts = [...below];
    const name = dirToo || parts.length === 0 ? undefined : parts.pop();
    const { dir, release } = await walk(abs, parts);
    return { path: name === undefined ? dir.path : path.join(dir.path, name), release };
  };

  /**
   * Runs `f` on the resolved forms of `paths` (their directories held open meanwhile); paths outside pass through. The
   * paths are resolved at the same time: two in one directory (a rename beside its target) share its look.
   */
  const atAll = async <A>(paths: readonly string[], f: (resolved: readonly string[]) => Promise<A>, dirToo = false): Promise<A> => {
    const need = paths.reduce((n, p) => n + depthOf(p, dirToo), 0);
    const release = need === 0 ? noRelease : await take(need);
    const held: Resolved[] = [];
    try {
      const resolving = await Promise.allSettled(paths.map((p) => resolve(p, { dirToo })));
      for (const r of resolving) if (r.status === 'fulfilled') held.push(r.value);
      const failed = resolving.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      return await f(held.map((r) => r.path)).catch((e: unknown) => {
        let out = e;
        for (const [i, r] of held.entries()) out = named(out, r.path, paths[i] as string);
        throw out;
      });
    } finally {
      for (const r of held) await r.release().catch(() => undefined);
      release();
    }
  };
  const at = <A>(p: string, f: (resolved: string) => Promise<A>, dirToo = false): Promise<A> => atAll([p], ([r]) => f(r as string), dirToo);
  const at2 = <A>(a: string, b: string, f: (ra: string, rb: string) => Promise<A>): Promise<A> => atAll([a, b], ([ra, rb]) => f(ra as string, rb as string));
  /** A directory path resolved beneath the root, every component (the last too) walked without following links. */
  const atDir = <A>(p: string, f: (resolved: string) => Promise<A>): Promise<A> => at(p, f, true);

  const confined: FileSystem = {
    open: (p, flags, mode) => at(p, (r) => fs.open(r, flags, mode)),
    readFile: (p) => at(p, (r) => fs.readFile(r)),
    readStream: (p, options) => ({
      async *[Symbol.asyncIterator]() {
        // The directory stays resolved (and held) while the stream runs.
        const release = depthOf(p, false) === 0 ? noRelease : await take(1);
        let r: Resolved | undefined;
        try {
          r = await resolve(p);
          yield* fs.readStream(r.path, options);
        } catch (e) {
          throw r === undefined ? e : named(e, r.path, p);
        } finally {
          await r?.release().catch(() => undefined);
          release();
        }
      },
    }),
    stat: (p) => at(p, (r) => fs.stat(r)),
    // At once where `fs` can (a name below a held handle, a cached inode): no thread-pool round trip for a look.
    lstat: (p) => at(p, async (r) => (lstatSync === undefined ? fs.lstat(r) : lstatSync(r))),
    // A read, taken where the path leads now: what it sees is checked again at the commit point.
    ...(fs.lstatSync === undefined ? {} : { lstatSync: (p: string) => (fs.lstatSync as (q: string) => FileStat)(p) }),
    rename: (from, to) => at2(from, to, (a, b) => fs.rename(a, b)),
    link: (existing, to) => at2(existing, to, (a, b) => fs.link(a, b)),
    unlink: (p) => at(p, (r) => fs.unlink(r)),
    readdir: (p) => atDir(p, (r) => fs.readdir(r)),
    mkdir: async (p, options = {}) => {
      if (options.recursive !== true) return at(p, (r) => fs.mkdir(r, options));
      // One directory at a time beneath the root, each made where the walk stands (never through a link).
      const abs = resolvedPath(p);
      const parts = partsBelow(root, abs);
      if (parts === undefined) return fs.mkdir(p, options);
      for (let i = 1; i <= parts.length; i++) {
        const sub = path.join(root, ...parts.slice(0, i));
        await at(sub, (r) => fs.mkdir(r, { ...(options.mode === undefined ? {} : { mode: options.mode }) })).catch((e: unknown) => {
          if (!hasCode(e, 'EEXIST')) throw e;
        });
      }
      await atDir(abs, async () => undefined);
    },
    rmdir: (p) => at(p, (r) => fs.rmdir(r)),
    copyFile: (from, to, options) => at2(from, to, (a, b) => fs.copyFile(a, b, options)),
    chmod: (p, mode) =>
      at(p, async (r) => {
        // chmod follows a final link: never one planted where a file of ours was.
        if ((await fs.lstat(r)).kind === 'symlink') throw new TxfsError('ELOOP', `ELOOP: ${p} is a symbolic link; not changing the mode of what it leads to`, { path: p });
        await fs.chmod(r, mode);
      }),
    utimes: (p, a, m) =>
      at(p, async (r) => {
        if ((await fs.lstat(r)).kind === 'symlink') throw new TxfsError('ELOOP', `ELOOP: ${p} is a symbolic link; not changing the times of what it leads to`, { path: p });
        await fs.utimes(r, a, m);
      }),
    symlink: (target, p) => at(p, (r) => fs.symlink(target, r)),
    realpath: (p) => fs.realpath(p),
    syncDir: async (p) => {
      const abs = resolvedPath(p);
      const parts = partsBelow(root, abs);
      if (parts === undefined) return fs.syncDir(p);
      // The held handle itself is fsynced: no open of its own (the root's is never closed between calls).
      const release = parts.length === 0 ? noRelease : await take(1);
      try {
        const { dir, release: done } = await walk(abs, parts);
        try {
          await dir.sync();
        } catch (e) {
          throw named(e, dir.path, p);
        } finally {
          await done();
        }
      } finally {
        release();
      }
    },
    // A handle of its own (closed by the caller), opened where the walk stands.
    openDirectory: (p) => (resolvedPath(p) === root ? openDirectory(c.rootReal) : at(p, (r) => openDirectory(r))),
  };
  held.set(confined, async () => {
    generation++;
    for (const [key, k] of [...kept]) forget(key, k);
    const h = rootHandle;
    rootHandle = undefined;
    if (h !== undefined) await (await h).close();
  });
  return confined;
};
