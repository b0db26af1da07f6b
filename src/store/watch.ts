/**
 * Watching for external changes: reports files the manifest knows whose content no longer matches the
 * checksum txfs recorded (modified or deleted behind the store's back).
 *
 * chokidar touches the disk itself (inotify / fs.watch) to learn *when* to look, as lmdb does for the journal:
 * a watcher cannot go through the FileSystem interface. What a file holds is still read through `deps.fs`.
 */
import * as path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { fromOsError } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import type { Journal } from '../journal/journal.js';
import type { StoreContext } from '../transaction/context.js';
import { decodeManifest, manifestPrefix } from '../journal/records/txRecord.js';
import type { ExternalChange } from '../types.js';
import { externalChangeOf } from './verifyStore.js';

/** What `watchStore` needs. */
export interface WatchStoreDeps {
  /** The store root, absolute. */
  readonly root: string;
  readonly fs: FileSystem;
  /** The manifest: every file txfs wrote (root-relative, `/`-separated) and its recorded SHA-256. Read again on each check. */
  readonly manifest: () => Promise<ReadonlyMap<string, string>>;
  /** Restrict to these files or directories (root-relative); default the whole root. */
  readonly paths?: readonly string[];
  /** Never watched (default `<root>/.txfs`). */
  readonly stateDir?: string;
  /** How long a burst of events settles before the files are hashed, in ms (default 100). */
  readonly settleMs?: number;
}

const toRel = (root: string, abs: string): string => path.relative(root, abs).split(path.sep).join('/');

/** A queue of values for one consumer, that can also end or fail. */
const channel = <A>() => {
  const values: A[] = [];
  const waiting: Array<{ resolve: (r: IteratorResult<A, undefined>) => void; reject: (e: unknown) => void }> = [];
  let ended = false;
  let failure: Error | undefined;
  return {
    push(value: A): void {
      const w = waiting.shift();
      if (w !== undefined) w.resolve({ done: false, value });
      else values.push(value);
    },
    fail(e: Error): void {
      failure ??= e;
      for (const w of waiting.splice(0)) w.reject(e);
    },
    end(): void {
      ended = true;
      for (const w of waiting.splice(0)) w.resolve({ done: true, value: undefined });
    },
    next(): Promise<IteratorResult<A, undefined>> {
      const value = values.shift();
      if (value !== undefined) return Promise.resolve({ done: false, value });
      if (failure !== undefined) return Promise.reject(failure);
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
};

const start = (deps: WatchStoreDeps): AsyncIterator<ExternalChange, undefined> => {
  const root = path.resolve(deps.root);
  const stateDir = path.resolve(deps.stateDir ?? path.join(root, '.txfs'));
  const scope = (deps.paths ?? []).map((p) => toRel(root, path.resolve(root, p)));
  const inScope = (rel: string): boolean => scope.length === 0 || scope.some((s) => s === '' || rel === s || rel.startsWith(`${s}/`));
  const out = channel<ExternalChange>();
  // path → the content last reported for it ('' = deleted), so one change is reported once.
  const reported = new Map<string, string>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const check = async (rel: string, manifest: ReadonlyMap<string, string>): Promise<ExternalChange | undefined> => {
    const expected = manifest.get(rel);
    if (expected === undefined) return undefined;
    const change = await externalChangeOf(deps.fs, root, rel, expected);
    // txfs renames a file into place before it records the new checksum: look again before calling it external.
    const now = change === undefined ? expected : (await deps.manifest()).get(rel);
    if (change === undefined || now === undefined || change.actual === now) {
      reported.delete(rel);
      return undefined;
    }
    if (reported.get(rel) === (change.actual ?? '')) return undefined;
    reported.set(rel, change.actual ?? '');
    return { ...change, expected: now };
  };

  const flush = (): void => {
    timer = undefined;
    const batch = [...pending];
    pending.clear();
    chain = chain.then(async () => {
      if (closed) return;
      const manifest = await deps.manifest();
      for (const rel of batch) {
        const change = await check(rel, manifest);
        if (change !== undefined && !closed) out.push(change);
      }
    }).catch((e: unknown) => out.fail(fromOsError(e)));
  };

  const schedule = (rel: string): void => {
    if (closed || !inScope(rel)) return;
    pending.add(rel);
    timer ??= setTimeout(flush, deps.settleMs ?? 100);
  };

  // Directories holding no file of the manifest when the watch starts are not descended into: a root such as a
  // project directory may hold trees (node_modules) that would use up the inotify watches for nothing.
  const knownDirs = new Set<string>(['']);
  const isIgnored = (p: string, stats?: { isDirectory(): boolean }): boolean => {
    if (p === stateDir || p.startsWith(`${stateDir}${path.sep}`) || p.endsWith('.txfs-tmp')) return true;
    return stats?.isDirectory() === true && !knownDirs.has(toRel(root, p));
  };
  let watcher: FSWatcher | undefined;
  const started = deps
    .manifest()
    .then((m) => {
      if (closed) return;
      for (const rel of m.keys()) {
        for (let d = path.posix.dirname(rel); d !== '.' && d !== '/' && !knownDirs.has(d); d = path.posix.dirname(d)) knownDirs.add(d);
      }
      const targets = scope.length === 0 ? [root] : scope.map((s) => path.join(root, s));
      const w = chokidarWatch(targets, { ignoreInitial: true, ignored: isIgnored });
      watcher = w;
      const onEvent = (abs: string): void => schedule(toRel(root, abs));
      w.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
      w.on('error', (e: unknown) => out.fail(fromOsError(e, root, 'watch')));
      // Once the watcher is ready, every later change raises an event; what changed before is found by one scan.
      w.on('ready', () => {
        deps.manifest().then(
          (now) => {
            for (const rel of now.keys()) schedule(rel);
          },
          (e: unknown) => out.fail(fromOsError(e)),
        );
      });
    })
    .catch((e: unknown) => out.fail(fromOsError(e)));

  const close = async (): Promise<IteratorResult<ExternalChange, undefined>> => {
    if (!closed) {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await started;
      await watcher?.close();
      out.end();
    }
    return { done: true, value: undefined };
  };
  return { next: () => out.next(), return: close };
};

/**
 * Reports files of the manifest that change behind the store's back: `modified` (content differs from the recorded
 * SHA-256) or `deleted`. Files already differing when the watch starts are reported first. Directories that held no
 * file of the manifest when the watch started are not watched. Each iteration starts
 * its own watcher; leaving the loop (`break`, or `return()` on the iterator) stops it. Iteration rejects with a
 * TxfsError carrying the errno (ENOSPC for too many inotify watches, EACCES, …) when watching fails.
 * @example for await (const change of watchStore({ root, fs, manifest })) console.log(change.path, change.kind);
 */
export const watchStore = (deps: WatchStoreDeps): AsyncIterable<ExternalChange> => ({
  [Symbol.asyncIterator]: () => start(deps),
});

/** Reads the manifest of a store's journal as path → recorded SHA-256. Rejects with EJOURNAL on an undecodable entry. */
export const manifestChecksums =
  (journal: Journal) =>
  async (): Promise<ReadonlyMap<string, string>> => {
    const rows = await journal.range(manifestPrefix);
    return new Map(rows.map(({ key, value }) => [key.slice(manifestPrefix.length), decodeManifest(key, value).sha256]));
  };

/** `store.watch` of the store described by `ctx`: watchStore over its root, its FileSystem and its journal's manifest. */
export const storeWatch =
  (ctx: StoreContext) =>
  (paths?: readonly string[]): AsyncIterable<ExternalChange> =>
    watchStore({
      root: ctx.root,
      fs: ctx.env.fs,
      manifest: manifestChecksums(ctx.env.journal),
      stateDir: ctx.stateDir,
      ...(paths === undefined || paths.length === 0 ? {} : { paths }),
    });
