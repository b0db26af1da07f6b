/**
 * What survives a power cut, per crash model (DESIGN.md, "Crash model"):
 * - `lose-unsynced`: only what was fsynced (file data) or directory-synced (creates, renames, unlinks);
 * - `reorder`: any subset of the unsynced changes, keeping each file's and each directory entry's own order —
 *   so a rename may survive while the unsynced data of the file it publishes does not;
 * - `torn`: as `reorder`, and a surviving unsynced write may land only partly, block by block, the rest zeros or garbage.
 */
import { applyData, applyEntries, Disk, ROOT, type DataOp, type DiskImage, type EntryOp, type Node } from './disk.js';
import type { Random } from './random.js';

/** The crash models of DESIGN.md. */
export type CrashModel = 'lose-unsynced' | 'reorder' | 'torn';

/** Torn writes land in blocks of this many bytes. */
export const TORN_BLOCK = 512;

type Pending = { readonly ino: number; readonly keys: readonly string[] } & ({ readonly data: DataOp } | { readonly entry: EntryOp });

/** The unsynced changes of the image in the order they were made, each with the keys that order it. */
const pendingOf = (image: DiskImage): Pending[] => {
  const all: Pending[] = [];
  for (const n of image.nodes.values()) {
    if (n.kind === 'file') for (const op of n.pending) all.push({ ino: n.ino, keys: [`d${n.ino}`], data: op });
    if (n.kind === 'directory') for (const op of n.pending) all.push({ ino: n.ino, keys: op.changes.map(([name]) => `e${n.ino}/${name}`), entry: op });
  }
  return all.sort((a, b) => ('data' in a ? a.data.seq : a.entry.seq) - ('data' in b ? b.data.seq : b.entry.seq));
};

const tear = (op: DataOp, rnd: Random): DataOp => {
  if (op.kind !== 'write' || rnd() < 0.5) return op;
  const bytes = op.bytes.slice();
  for (let at = 0; at < bytes.length; at += TORN_BLOCK) {
    const roll = rnd();
    if (roll < 0.4) continue;
    const end = Math.min(bytes.length, at + TORN_BLOCK);
    if (roll < 0.7) bytes.fill(0, at, end);
    else for (let i = at; i < end; i++) bytes[i] = Math.floor(rnd() * 256);
  }
  return { ...op, bytes };
};

/**
 * The disk a reboot finds after a crash at `image`, under `model`, choosing among allowed states with `rnd`.
 * Everything in the result is durable; inodes no longer reachable from `/` are gone.
 */
export const survivingDisk = (image: DiskImage, model: CrashModel, rnd: Random, clock: number): Disk => {
  const kept = new Set<Pending>();
  if (model !== 'lose-unsynced') {
    const blocked = new Set<string>();
    for (const p of pendingOf(image)) {
      if (p.keys.some((k) => blocked.has(k)) || rnd() < 0.5) {
        for (const k of p.keys) blocked.add(k);
      } else {
        kept.add(p);
      }
    }
  }
  const byIno = new Map<number, Pending[]>();
  for (const p of kept) byIno.set(p.ino, [...(byIno.get(p.ino) ?? []), p]);

  const nodes = new Map<number, Node>();
  const visit = (ino: number): void => {
    if (nodes.has(ino)) return;
    const n = image.nodes.get(ino);
    if (n === undefined) return;
    const mine = byIno.get(ino) ?? [];
    if (n.kind === 'file') {
      let durable = n.durable;
      for (const p of mine) if ('data' in p) durable = applyData(durable, model === 'torn' ? tear(p.data, rnd) : p.data);
      nodes.set(ino, { ...n, durable, data: durable, pending: [] });
    } else if (n.kind === 'directory') {
      let durable: ReadonlyMap<string, number> = n.durable;
      for (const p of mine) if ('entry' in p) durable = applyEntries(durable, p.entry);
      nodes.set(ino, { ...n, durable, entries: new Map(durable), pending: [] });
      for (const child of durable.values()) visit(child);
    } else {
      nodes.set(ino, { ...n });
    }
  };
  visit(ROOT);
  return Disk.fromSurvivors(nodes, clock);
};
