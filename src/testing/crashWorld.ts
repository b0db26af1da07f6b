/**
 * A crash world: the simulated disk and the in-memory journal behind one call counter, so that a crash
 * cuts both off at the same instant, as a power cut does (API.md, "txfs/testing").
 */
import { createHash } from 'node:crypto';
import type { FileSystem } from '../fs/fileSystem.js';
import type { Journal } from '../journal/journal.js';
import { CrashError } from './crashError.js';
import { crashFileSystem } from './crashFileSystem.js';
import { Disk, ROOT, type DirNode, type DiskImage } from './disk.js';
import { locate } from './lookup.js';
import { JournalState, memoryJournal, type JournalImage, type JournalSemantics } from './memoryJournal.js';
import { mixSeed, seededRandom } from './random.js';
import { survivingDisk, type CrashModel } from './survivors.js';
import { envelopeChecksum } from '../journal/envelope.js';

/** One FileSystem or Journal call as the world saw it (or a `mark` left by a test, which is not a call). */
export interface TraceRecord {
  readonly index: number;
  readonly kind: string;
  readonly path: string;
  readonly to?: string;
  /** Journal calls: the keys written (transact/put/remove) or asked for (get/range). */
  keys?: readonly string[];
  /** Journal commits: what was written (undefined: removed). */
  writes?: ReadonlyMap<string, unknown>;
}

/** Options of `createCrashWorld`. */
export interface CrashWorldOptions {
  /** Default 'lose-unsynced'. */
  readonly model?: CrashModel;
  /** Picks among the states the model allows; same seed, same state. Default 0. */
  readonly seed?: number;
  /** Initial content, already durable; directories are created as needed. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** Initial empty directories (and their parents), already durable. */
  readonly dirs?: readonly string[];
  /** Keep a snapshot before every call, for `afterCrashAt` (the crash suite's fast path). Default false. */
  readonly recordCrashPoints?: boolean;
  /**
   * When a journal commit is durable (see `memoryJournal.ts`). 'commit' (the default): as a store opens LMDB
   * (`overlappingSync: false`), a commit is durable once it resolved, so a crash loses none. 'flush': as lmdb-js's
   * default `overlappingSync: true` (a store opened with `tuning.overlappingSync`), a commit is durable once a later
   * `flush()` resolved; a crash keeps the flushed state and a prefix of the later commits (none under 'lose-unsynced',
   * a seeded prefix under 'reorder' and 'torn').
   */
  readonly journalDurability?: JournalDurability;
  /** 'local' (default): LMDB's transaction semantics; 'remote': the PostgreSQL journal's (see `memoryJournal.ts`). */
  readonly journalSemantics?: JournalSemantics;
}

/** When a journal commit of a crash world is durable: once it resolved ('commit'), or once a later flush resolved ('flush'). */
export type JournalDurability = 'commit' | 'flush';

/** Which surviving state `afterCrash`/`afterCrashAt` picks. */
export interface CrashChoice {
  readonly model?: CrashModel;
  readonly seed?: number;
  readonly recordCrashPoints?: boolean;
  /**
   * Which journal commits made since the last `flush()` survive. 'default': as the world's `journalDurability` says
   * (every one under 'commit'; under 'flush' none with 'lose-unsynced', a seeded prefix otherwise). 'all': every one
   * (LMDB as a store opens it). 'none': none ('overlappingSync: true' with no fsync landed since the last flush).
   * 'prefix': a seeded prefix in commit order ('overlappingSync: true' with some of them fsynced).
   */
  readonly journal?: 'default' | 'none' | 'prefix' | 'all';
}

/** An in-memory disk and journal that can be cut off after any call (API.md). */
export interface CrashWorld {
  /** Pass to `openStore({ fs, journal, root: '/' })`. */
  readonly fs: FileSystem;
  readonly journal: Journal;
  /** FileSystem + Journal calls made so far. */
  readonly calls: number;
  readonly model: CrashModel;
  readonly seed: number;
  readonly journalDurability: JournalDurability;
  /** True once a call was refused because of `crashAfter`. */
  readonly crashed: boolean;
  /** Every call made, FileSystem and Journal interleaved, plus marks. */
  readonly trace: readonly TraceRecord[];
  /** Call n+1 and every later call throw CrashError (code 'ECRASH'). */
  crashAfter(n: number): void;
  /** A fresh world holding only what survived a crash now (chosen by the seed); run recovery on it. */
  afterCrash(choice?: CrashChoice): CrashWorld;
  /** Like `afterCrash`, for a crash right after call n (needs `recordCrashPoints`). */
  afterCrashAt(n: number, choice?: CrashChoice): CrashWorld;
  /** Content of a file (symlinks followed), or undefined; no side effects. */
  read(path: string): Uint8Array | undefined;
  /** Like `read`, without a copy: the bytes are shared with the world's crash states and must not be modified. */
  peek(path: string): Uint8Array | undefined;
  /** Every regular file below dir (default `/`), recursively, as sorted relative paths. */
  list(dir?: string): string[];
  /** What is at `path` (not following a final symlink), without side effects. */
  kindOf(path: string): 'file' | 'directory' | 'symlink' | undefined;
  /** The journal's live entries under `prefix`, in key order, without side effects. */
  journalEntries(prefix?: string): Array<{ key: string; value: unknown }>;
  /** The next fsync/fdatasync of a file whose path contains `pathIncludes` fails with EIO and its unsynced writes are lost for good. */
  failNextSync(pathIncludes?: string): void;
  /**
   * The `nth` journal commit from now (default 1: the next one) lands, and its call rejects with EJOURNAL "may or may
   * not have been committed" — a remote journal's connection lost as its COMMIT went, the outcome not found in time.
   */
  loseCommitAnswer(nth?: number): void;
  /** Adds a non-call record to the trace (e.g. "commit resolved"). */
  mark(label: string): void;
  /** A digest of everything on the disk and in the journal, to tell distinct crash states apart. */
  digest(): string;
}

interface Snapshot {
  readonly disk: DiskImage;
  readonly journal: JournalImage;
  readonly clock: number;
}

// Buffers and durable journal maps are never mutated, and crash states share them: their digests are cached.
const bytesDigests = new WeakMap<Uint8Array, string>();
const journalDigests = new WeakMap<ReadonlyMap<string, unknown>, string>();

const bytesDigest = (b: Uint8Array): string => {
  let d = bytesDigests.get(b);
  if (d === undefined) {
    d = createHash('sha1').update(b).digest('hex');
    bytesDigests.set(b, d);
  }
  return d;
};

const journalDigest = (entries: ReadonlyMap<string, unknown>, cache: boolean): string => {
  let d = cache ? journalDigests.get(entries) : undefined;
  if (d === undefined) {
    const h = createHash('sha1');
    // Journal values are checksummed envelopes: their checksum stands for them.
    for (const key of [...entries.keys()].sort()) {
      const value = entries.get(key);
      h.update(`\0${key}\0${envelopeChecksum(value) ?? JSON.stringify(value)}`);
    }
    d = h.digest('hex');
    if (cache) journalDigests.set(entries, d);
  }
  return d;
};

/** How many of `pending` unflushed journal commits a crash keeps. */
const keptCommits = (choice: CrashChoice, durability: JournalDurability, model: CrashModel, pending: number, rnd: () => number): number => {
  const asked = choice.journal ?? 'default';
  // One number is drawn wherever a prefix may be chosen, whatever the durability: a seed picks the same disk state either way.
  const roll = asked === 'prefix' || (asked === 'default' && model !== 'lose-unsynced') ? rnd() : 0;
  const journal = asked === 'default' ? (durability === 'commit' ? 'all' : model === 'lose-unsynced' ? 'none' : 'prefix') : asked;
  if (journal === 'all') return pending;
  if (journal === 'none') return 0;
  return Math.floor(roll * (pending + 1));
};

const build = (disk: Disk, journalState: JournalState, model: CrashModel, seed: number, record: boolean, durability: JournalDurability, semantics: JournalSemantics): CrashWorld => {
  let calls = 0;
  let limit = Number.POSITIVE_INFINITY;
  let crashed = false;
  const trace: TraceRecord[] = [];
  const snapshots: Snapshot[] = [];
  const syncFailures: string[] = [];
  let answerLostIn = 0;
  const snapshot = (): Snapshot => ({ disk: disk.freeze(), journal: journalState.freeze(), clock: disk.clock });

  const enter = (kind: string, path: string, to?: string): TraceRecord => {
    if (crashed || calls >= limit) {
      crashed = true;
      throw new CrashError(calls + 1, `${kind} ${path}`);
    }
    if (record) snapshots[calls] = snapshot();
    calls += 1;
    const rec: TraceRecord = to === undefined ? { index: calls, kind, path } : { index: calls, kind, path, to };
    trace.push(rec);
    return rec;
  };
  const gate = {
    enter,
    loseAnswer: (): boolean => answerLostIn > 0 && --answerLostIn === 0,
    failSync: (path: string): boolean => {
      const i = syncFailures.findIndex((p) => path.includes(p));
      if (i < 0) return false;
      syncFailures.splice(i, 1);
      return true;
    },
  };

  const after = (image: Snapshot, n: number, choice: CrashChoice): CrashWorld => {
    const m = choice.model ?? model;
    const s = choice.seed ?? seed;
    const rnd = seededRandom(mixSeed(s, n));
    const survivingJournal = JournalState.surviving(image.journal, keptCommits(choice, durability, m, image.journal.unflushed.length, rnd));
    return build(survivingDisk(image.disk, m, rnd, image.clock), survivingJournal, m, s, choice.recordCrashPoints ?? false, durability, semantics);
  };

  const world: CrashWorld = {
    fs: crashFileSystem(disk, gate),
    journal: memoryJournal(journalState, gate, semantics),
    get calls() {
      return calls;
    },
    model,
    seed,
    journalDurability: durability,
    get crashed() {
      return crashed;
    },
    trace,
    crashAfter: (n) => {
      limit = n;
    },
    afterCrash: (choice = {}) => after(snapshot(), calls, choice),
    afterCrashAt: (n, choice = {}) => {
      if (n === calls) return after(snapshot(), n, choice);
      const image = snapshots[n];
      if (image === undefined) throw new RangeError(`no snapshot of crash point ${n} (calls: ${calls}; recordCrashPoints: ${record})`);
      return after(image, n, choice);
    },
    read: (path) => world.peek(path)?.slice(),
    peek: (path) => {
      try {
        const at = locate(disk, path, true, 'read');
        const n = at.ino === undefined ? undefined : disk.node(at.ino);
        return n?.kind === 'file' ? n.data : undefined;
      } catch {
        return undefined;
      }
    },
    list: (dir = '/') => {
      const out: string[] = [];
      const walk = (ino: number, rel: string): void => {
        const n = disk.node(ino);
        if (n.kind === 'file') out.push(rel);
        if (n.kind !== 'directory') return;
        for (const [name, child] of n.entries) walk(child, rel === '' ? name : `${rel}/${name}`);
      };
      const at = locate(disk, dir, true, 'list');
      if (at.ino !== undefined && disk.node(at.ino).kind === 'directory') walk(at.ino, '');
      return out.sort();
    },
    kindOf: (path) => {
      try {
        const at = locate(disk, path, false, 'lstat');
        return at.ino === undefined ? undefined : disk.node(at.ino).kind;
      } catch {
        return undefined;
      }
    },
    journalEntries: (prefix = '') => journalState.entries(prefix),
    loseCommitAnswer: (nth = 1) => {
      answerLostIn = nth;
    },
    failNextSync: (pathIncludes = '') => {
      syncFailures.push(pathIncludes);
    },
    mark: (label) => {
      trace.push({ index: calls, kind: 'mark', path: label });
    },
    digest: () => {
      const h = createHash('sha1');
      const walk = (ino: number, path: string): void => {
        const n = disk.node(ino);
        h.update(`${path}\0${n.kind}\0${n.ino}\0`);
        if (n.kind === 'file') h.update(bytesDigest(n.data));
        else if (n.kind === 'symlink') h.update(n.target);
        else for (const name of [...n.entries.keys()].sort()) walk(n.entries.get(name) as number, `${path}/${name}`);
      };
      walk(ROOT, '');
      // With nothing unflushed the live journal is the durable map, which crash states share: digest it once.
      h.update(journalState.unflushed.length === 0 ? journalDigest(journalState.durable, true) : journalDigest(journalState.live, false));
      return h.digest('hex');
    },
  };
  return world;
};

/** Creates a crash world holding `files`, all durable. */
export const createCrashWorld = (options: CrashWorldOptions = {}): CrashWorld => {
  const disk = new Disk();
  const mkdirs = (parts: readonly string[]): DirNode => {
    let dir = disk.dir(ROOT);
    for (const part of parts) {
      const ino = dir.entries.get(part);
      if (ino === undefined) {
        const made = disk.newDir(0o755);
        disk.changeEntries(dir, [[part, made.ino]]);
        dir = made;
      } else {
        dir = disk.dir(ino);
      }
    }
    return dir;
  };
  for (const d of options.dirs ?? []) mkdirs(d.split('/').filter((c) => c !== ''));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    const parts = name.split('/').filter((c) => c !== '');
    const dir = mkdirs(parts.slice(0, -1));
    const file = disk.newFile(0o644);
    disk.changeEntries(dir, [[parts[parts.length - 1] ?? name, file.ino]]);
    disk.changeData(file, { kind: 'write', pos: 0, bytes: typeof content === 'string' ? Buffer.from(content, 'utf8') : Uint8Array.prototype.slice.call(content) });
  }
  disk.syncAll();
  return build(disk, new JournalState(), options.model ?? 'lose-unsynced', options.seed ?? 0, options.recordCrashPoints ?? false, options.journalDurability ?? 'commit', options.journalSemantics ?? 'local');
};
