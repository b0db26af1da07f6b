/**
 * The simulated disk: an inode model that keeps, for every file, its durable bytes and the writes not yet
 * fsynced, and for every directory, its durable entries and the entry changes not yet synced.
 * What a crash leaves is computed from these by `survivors.ts`; path lookup lives in `lookup.ts`.
 *
 * Every buffer and every durable map is replaced, never mutated, so that `freeze` can share them.
 */

/** A change of a file's bytes not yet made durable. */
export type DataOp =
  | { readonly seq: number; readonly kind: 'write'; readonly pos: number; readonly bytes: Uint8Array }
  | { readonly seq: number; readonly kind: 'truncate'; readonly size: number };

/** A change of a directory's entries not yet made durable: names set to an inode, or removed (undefined). */
export interface EntryOp {
  readonly seq: number;
  readonly changes: ReadonlyArray<readonly [string, number | undefined]>;
}

/** A regular file. `data` is what a reader sees now; `durable` what the platter holds. */
export interface FileNode {
  readonly kind: 'file';
  readonly ino: number;
  mode: number;
  mtimeMs: number;
  nlink: number;
  data: Uint8Array;
  durable: Uint8Array;
  pending: DataOp[];
}

/** A directory. `entries` is the live view; `durable` what survives a crash for sure. */
export interface DirNode {
  readonly kind: 'directory';
  readonly ino: number;
  mode: number;
  mtimeMs: number;
  nlink: number;
  entries: Map<string, number>;
  durable: ReadonlyMap<string, number>;
  pending: EntryOp[];
}

/** A symbolic link (its target is durable together with its directory entry). */
export interface LinkNode {
  readonly kind: 'symlink';
  readonly ino: number;
  mode: number;
  mtimeMs: number;
  nlink: number;
  readonly target: string;
}

/** Any inode. */
export type Node = FileNode | DirNode | LinkNode;

/** The crash-relevant part of a disk at one instant: durable state plus pending changes, all shared immutably. */
export interface DiskImage {
  readonly nodes: ReadonlyMap<number, Readonly<Node>>;
}

/** The inode number of `/`. */
export const ROOT = 1;

/** Applies one data change to bytes (copy on write). */
export const applyData = (data: Uint8Array, op: DataOp): Uint8Array => {
  if (op.kind === 'truncate') {
    if (op.size === data.length) return data;
    const out = new Uint8Array(op.size);
    out.set(op.size < data.length ? data.subarray(0, op.size) : data);
    return out;
  }
  const end = op.pos + op.bytes.length;
  const out = new Uint8Array(Math.max(data.length, end));
  out.set(data);
  out.set(op.bytes, op.pos);
  return out;
};

/** Applies entry changes to a directory map (copy on write). */
export const applyEntries = (entries: ReadonlyMap<string, number>, op: EntryOp): Map<string, number> => {
  const out = new Map(entries);
  for (const [name, ino] of op.changes) {
    if (ino === undefined) out.delete(name);
    else out.set(name, ino);
  }
  return out;
};

/** The mutable disk: inodes plus a sequence counter ordering every pending change. */
export class Disk {
  readonly nodes = new Map<number, Node>();
  private nextIno = ROOT;
  private seq = 0;
  /** The logical clock used for mtimes (deterministic). */
  clock = 1_700_000_000_000;

  constructor() {
    this.newDir(0o755);
  }

  /** Rebuilds a disk from surviving nodes: everything in it is durable. */
  static fromSurvivors(nodes: ReadonlyMap<number, Readonly<Node>>, clock: number): Disk {
    const disk = new Disk();
    disk.nodes.clear();
    for (const [ino, n] of nodes) {
      if (n.kind === 'file') disk.nodes.set(ino, { ...n, data: n.durable, pending: [] });
      else if (n.kind === 'directory') disk.nodes.set(ino, { ...n, entries: new Map(n.durable), pending: [] });
      else disk.nodes.set(ino, { ...n });
      disk.nextIno = Math.max(disk.nextIno, ino + 1);
    }
    disk.clock = clock;
    disk.recountLinks();
    return disk;
  }

  private recountLinks(): void {
    for (const n of this.nodes.values()) n.nlink = n.kind === 'directory' ? 2 : 0;
    for (const n of this.nodes.values()) {
      if (n.kind !== 'directory') continue;
      for (const ino of n.entries.values()) {
        const child = this.nodes.get(ino);
        if (child !== undefined) child.nlink += child.kind === 'directory' ? 0 : 1;
        if (child?.kind === 'directory') n.nlink += 1;
      }
    }
  }

  tick(): number {
    this.clock += 1;
    return this.clock;
  }

  node(ino: number): Node {
    const n = this.nodes.get(ino);
    if (n === undefined) throw new Error(`simulated disk: no inode ${ino}`);
    return n;
  }

  dir(ino: number): DirNode {
    const n = this.node(ino);
    if (n.kind !== 'directory') throw new Error(`simulated disk: inode ${ino} is not a directory`);
    return n;
  }

  newFile(mode: number): FileNode {
    const n: FileNode = { kind: 'file', ino: this.nextIno++, mode: 0o100000 | (mode & 0o7777), mtimeMs: this.tick(), nlink: 0, data: new Uint8Array(0), durable: new Uint8Array(0), pending: [] };
    this.nodes.set(n.ino, n);
    return n;
  }

  newDir(mode: number): DirNode {
    const n: DirNode = { kind: 'directory', ino: this.nextIno++, mode: 0o040000 | (mode & 0o7777), mtimeMs: this.tick(), nlink: 2, entries: new Map(), durable: new Map(), pending: [] };
    this.nodes.set(n.ino, n);
    return n;
  }

  newLink(target: string): LinkNode {
    const n: LinkNode = { kind: 'symlink', ino: this.nextIno++, mode: 0o120777, mtimeMs: this.tick(), nlink: 0, target };
    this.nodes.set(n.ino, n);
    return n;
  }

  /** Changes entries of `dir` (live at once, durable at the next syncDir), keeping link counts. */
  changeEntries(dir: DirNode, changes: ReadonlyArray<readonly [string, number | undefined]>): void {
    for (const [name, ino] of changes) {
      const old = dir.entries.get(name);
      if (old !== undefined) this.adjustLinks(dir, old, -1);
      if (ino !== undefined) this.adjustLinks(dir, ino, +1);
    }
    const op: EntryOp = { seq: this.seq++, changes };
    dir.entries = applyEntries(dir.entries, op);
    dir.pending = [...dir.pending, op];
    dir.mtimeMs = this.tick();
  }

  private adjustLinks(dir: DirNode, ino: number, by: number): void {
    const child = this.node(ino);
    if (child.kind === 'directory') dir.nlink += by;
    else child.nlink += by;
  }

  /** Changes a file's bytes (visible at once, durable at the next fsync). */
  changeData(file: FileNode, op: { readonly kind: 'write'; readonly pos: number; readonly bytes: Uint8Array } | { readonly kind: 'truncate'; readonly size: number }): void {
    const full: DataOp = { ...op, seq: this.seq++ };
    file.data = applyData(file.data, full);
    file.pending = [...file.pending, full];
    file.mtimeMs = this.tick();
  }

  /** fsync of a file: its pending writes reach the platter. */
  syncData(file: FileNode): void {
    let durable = file.durable;
    for (const op of file.pending) durable = applyData(durable, op);
    file.durable = durable;
    file.pending = [];
  }

  /** A failed fsync: the pending writes are dropped for good (the platter keeps what it had), though readers still see them. */
  loseData(file: FileNode): void {
    file.pending = [];
  }

  /** fsync of a directory: its pending entry changes become durable. */
  syncEntries(dir: DirNode): void {
    let durable = dir.durable;
    for (const op of dir.pending) durable = applyEntries(durable, op);
    dir.durable = durable;
    dir.pending = [];
  }

  /** Everything a crash could leave, shared immutably (cheap: no bytes copied). */
  freeze(): DiskImage {
    const nodes = new Map<number, Readonly<Node>>();
    for (const [ino, n] of this.nodes) nodes.set(ino, { ...n });
    return { nodes };
  }

  /** Makes every pending change durable (the initial files of a world). */
  syncAll(): void {
    for (const n of this.nodes.values()) {
      if (n.kind === 'file') this.syncData(n);
      else if (n.kind === 'directory') this.syncEntries(n);
    }
  }
}
