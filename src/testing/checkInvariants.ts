/**
 * The invariants of DESIGN.md ("Crash model and the invariants"), checked on the world recovery left:
 * I1 atomicity, I2 durability, I3 no litter, I4 backups verify (I5, idempotence, compares two recoveries: `checkIdempotence`).
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { isTempName } from '../ops/tempName.js';
import type { CrashWorld } from './crashWorld.js';
import { DIR_PATHS, FILE_PATHS } from './arbitraries.js';
import { modelStates, targetsOf, type Acknowledged, type ModelState, type Workload } from './workload.js';
import { decodeBackup } from '../journal/records/backupRecord.js';
import { decodeTx } from '../journal/records/txRecord.js';

/** One broken invariant, with an explanation a reader can act on. */
export interface Violation {
  readonly invariant: 'I1' | 'I2' | 'I3' | 'I4' | 'I5';
  readonly message: string;
  readonly path?: string;
}

/** Options of `checkInvariants`. */
export interface CheckOptions {
  /** The store's state directory, default `/.txfs`. */
  readonly stateDir?: string;
  /** The backup directory, default `<stateDir>/backups`. */
  readonly backupDir?: string;
  /**
   * The store's durability (default 'full'). Under 'atomic' the most recent acknowledged transactions may have been
   * rolled back: I2 then asks that the files be those after some prefix of the acknowledged transactions (the first
   * one left out all old or all new), I1 as always.
   */
  readonly durability?: 'full' | 'atomic';
}

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === undefined || b === undefined ? a === b : Buffer.from(a).equals(Buffer.from(b));

/** A short description of some content, for messages. */
export const describeBytes = (b: Uint8Array | undefined): string => {
  if (b === undefined) return 'absent';
  const text = Buffer.from(b.subarray(0, 24)).toString('utf8').replace(/[^\x20-\x7e]/g, '.');
  return `${b.length} B "${text}${b.length > 24 ? '…' : ''}"`;
};

type Observed = { readonly kind: 'file'; readonly bytes: Uint8Array | undefined } | { readonly kind: 'dir'; readonly exists: boolean };

const observe = (world: CrashWorld, p: string, isDir: boolean): Observed =>
  isDir ? { kind: 'dir', exists: world.kindOf(`/${p}`) === 'directory' } : { kind: 'file', bytes: world.kindOf(`/${p}`) === 'directory' ? undefined : world.peek(`/${p}`) };

const expected = (state: ModelState, p: string, isDir: boolean): Observed =>
  isDir ? { kind: 'dir', exists: state.dirs.has(p) } : { kind: 'file', bytes: state.files.get(p) };

const matches = (a: Observed, b: Observed): boolean =>
  a.kind === 'dir' && b.kind === 'dir' ? a.exists === b.exists : a.kind === 'file' && b.kind === 'file' && same(a.bytes, b.bytes);

const show = (o: Observed): string => (o.kind === 'dir' ? (o.exists ? 'a directory' : 'no directory') : describeBytes(o.bytes));

/** The record at `key`, decoded as the store decodes it; undefined when it does not decode (a violation of its own). */
const decoded = <A>(decode: (key: string, raw: unknown) => A, key: string, raw: unknown): A | undefined => {
  try {
    return decode(key, raw);
  } catch {
    return undefined;
  }
};

/** I1 and I2: every tracked path holds the model's state after the last acknowledged transaction, the in-flight one all old or all new. */
const checkContent = (after: CrashWorld, w: Workload, acked: Acknowledged): Violation[] => {
  const { states, inFlight } = modelStates(w, acked);
  const modelled = states.flatMap((s) => [...s.files.keys()]);
  const tracked = new Map<string, boolean>([...FILE_PATHS, ...Object.keys(w.files), ...modelled].map((p) => [p, false]));
  for (const d of DIR_PATHS) tracked.set(d, true);
  const out: Violation[] = [];
  const settled = inFlight === undefined ? (states[states.length - 1] as ModelState) : (states[inFlight] as ModelState);
  // The in-flight transaction's targets: what it names, and wherever a 'rename' policy moved them.
  const inFlightTargets = new Set<string>();
  if (inFlight !== undefined) {
    for (const p of (w.txs[inFlight] ?? []).flatMap(targetsOf)) inFlightTargets.add(p);
    const [oldS, newS] = [states[inFlight] as ModelState, states[inFlight + 1] as ModelState];
    for (const p of new Set([...oldS.files.keys(), ...newS.files.keys()])) if (!same(oldS.files.get(p), newS.files.get(p))) inFlightTargets.add(p);
  }
  for (const [p, isDir] of tracked) {
    if (inFlightTargets.has(p)) continue;
    const got = observe(after, p, isDir);
    const want = expected(settled, p, isDir);
    if (!matches(got, want)) {
      out.push({ invariant: 'I2', path: p, message: `${p} holds ${show(got)}, but the acknowledged transactions leave ${show(want)}` });
    }
  }
  if (inFlight !== undefined) {
    const oldS = states[inFlight] as ModelState;
    const newS = states[inFlight + 1] as ModelState;
    const asOld: string[] = [];
    const asNew: string[] = [];
    for (const p of inFlightTargets) {
      const isDir = tracked.get(p) === true;
      const got = observe(after, p, isDir);
      const isOld = matches(got, expected(oldS, p, isDir));
      const isNew = matches(got, expected(newS, p, isDir));
      if (!isOld && !isNew) {
        out.push({ invariant: 'I1', path: p, message: `tx${inFlight}'s target ${p} holds ${show(got)}: neither the old ${show(expected(oldS, p, isDir))} nor the new ${show(expected(newS, p, isDir))}` });
      }
      if (isOld && !isNew) asOld.push(p);
      if (isNew && !isOld) asNew.push(p);
    }
    if (asOld.length > 0 && asNew.length > 0) {
      out.push({ invariant: 'I1', message: `tx${inFlight} is half applied: ${asNew.join(', ')} new, ${asOld.join(', ')} old` });
    }
  }
  return out;
};

/**
 * The outcomes `acked` could have left after a power cut under durability 'atomic': as acknowledged, then with the
 * last acknowledged transaction cut off (in flight: all old or all new, nothing after it ran), then the last two…
 */
export const atomicPrefixes = (acked: Acknowledged): Acknowledged[] => {
  const ackedAt = acked.outcomes.flatMap((o, i) => (o.status === 'acked' ? [i] : []));
  return [
    acked,
    ...ackedAt.reverse().map((cut): Acknowledged => ({
      outcomes: acked.outcomes.map((o, j) => (j < cut ? o : j === cut ? { status: 'crashed' } : { status: 'not-run' })),
    })),
  ];
};

/** I1 and I2 under `durability`: for 'atomic', the first prefix of the acknowledged transactions the files match. */
const checkContentUnder = (after: CrashWorld, w: Workload, acked: Acknowledged, durability: 'full' | 'atomic'): Violation[] => {
  const strict = checkContent(after, w, acked);
  if (durability === 'full' || strict.length === 0) return strict;
  for (const candidate of atomicPrefixes(acked).slice(1)) if (checkContent(after, w, candidate).length === 0) return [];
  return strict;
};

/** I3: no temp file, no transaction record or open marker that is not final, no lock. */
const checkLitter = (after: CrashWorld): Violation[] => {
  const out: Violation[] = [];
  for (const f of after.list('/')) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    if (isTempName(name)) out.push({ invariant: 'I3', path: f, message: `temp file /${f} left behind` });
  }
  for (const { key, value } of after.journalEntries()) {
    if (key.startsWith('lock/')) out.push({ invariant: 'I3', message: `stale lock ${key} left in the journal` });
    if (key.startsWith('open/')) out.push({ invariant: 'I3', message: `open-transaction marker ${key} left in the journal` });
    if (!key.startsWith('tx/')) continue;
    const state = decoded(decodeTx, key, value)?.state;
    if (state === undefined) out.push({ invariant: 'I3', message: `journal record ${key} does not decode` });
    else if (state === 'staging' || state === 'committing') out.push({ invariant: 'I3', message: `journal record ${key} is still '${state}' after recovery` });
  }
  return out;
};

/** The regular files below `dir`, relative to it; none when it does not exist. */
const filesBelow = (world: CrashWorld, dir: string): string[] => {
  try {
    return world.list(dir);
  } catch {
    return [];
  }
};

/**
 * I4: every indexed backup exists and matches its size and checksum, and every file in the backup directory is
 * indexed (what `backups.verify()` reports as `unindexed`: a backup nobody can list, restore or prune).
 */
const checkBackups = (after: CrashWorld, backupDir: string): Violation[] => {
  const out: Violation[] = [];
  const indexed = new Set<string>();
  for (const { key, value } of after.journalEntries('backup/')) {
    const rec = decoded(decodeBackup, key, value);
    if (rec === undefined) {
      out.push({ invariant: 'I4', message: `backup index entry ${key} cannot be read` });
      continue;
    }
    indexed.add(rec.file);
    const file = `${backupDir}/${rec.file}`;
    const stored = after.peek(file);
    if (stored === undefined) {
      out.push({ invariant: 'I4', path: file, message: `backup ${file} indexed under ${key} is missing` });
      continue;
    }
    let content: Uint8Array;
    try {
      content = rec.compressed === true ? gunzipSync(stored) : stored;
    } catch {
      out.push({ invariant: 'I4', path: file, message: `backup ${file} does not decompress` });
      continue;
    }
    const sha = createHash('sha256').update(content).digest('hex');
    if (sha !== rec.sha256 || content.length !== rec.size) {
      out.push({ invariant: 'I4', path: file, message: `backup ${file} holds ${describeBytes(content)} (sha256 ${sha.slice(0, 12)}), its index says ${String(rec.size)} B, ${rec.sha256.slice(0, 12)}` });
    }
  }
  for (const f of filesBelow(after, backupDir)) {
    if (!indexed.has(f)) out.push({ invariant: 'I4', path: `${backupDir}/${f}`, message: `${backupDir}/${f} is in the backup directory, but no index entry names it` });
  }
  return out;
};

/**
 * Checks I1–I4 on `after`, the world recovery left after a crash of `before`, which ran `w` with outcome `acked`.
 * Returns every violation found (none: the invariants hold).
 */
export const checkInvariants = (before: CrashWorld, after: CrashWorld, w: Workload, acked: Acknowledged, options: CheckOptions = {}): Violation[] => {
  void before;
  const stateDir = options.stateDir ?? '/.txfs';
  return [...checkContentUnder(after, w, acked, options.durability ?? 'full'), ...checkLitter(after), ...checkBackups(after, options.backupDir ?? `${stateDir}/backups`)];
};

/** Every regular file of a world and its bytes (a picture to compare with `checkIdempotence`; the bytes are shared, do not modify them). */
export const filesOf = (world: CrashWorld): Map<string, Uint8Array> => new Map(world.list('/').map((p) => [p, world.peek(`/${p}`) ?? new Uint8Array(0)]));

/**
 * I5: two pictures of the files that must agree — after one recovery and after another run of it, or after an
 * interrupted and re-run recovery (then pass `ignore`, e.g. the state directory, whose bookkeeping may differ).
 */
export const checkIdempotence = (first: ReadonlyMap<string, Uint8Array>, second: ReadonlyMap<string, Uint8Array>, what: string, ignore?: string): Violation[] => {
  const out: Violation[] = [];
  for (const p of new Set([...first.keys(), ...second.keys()])) {
    if (ignore !== undefined && p.startsWith(ignore)) continue;
    const x = first.get(p);
    const y = second.get(p);
    if (!same(x, y)) out.push({ invariant: 'I5', path: p, message: `${what}: /${p} is ${describeBytes(x)} after one recovery, ${describeBytes(y)} after the other` });
  }
  return out;
};
