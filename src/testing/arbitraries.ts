/**
 * fast-check generators of transaction workloads: a few transactions of a few operations each over a small
 * set of paths (so that targets overlap), on top of pre-existing files. Operations are drawn abstractly and
 * resolved against the model, so every generated operation is valid and shrinking keeps it so.
 */
import fc from 'fast-check';
import { applyTx, initialState, parentOf, pathsOf, whyInvalid, type ExistsPolicy, type ModelState, type Workload, type WorkloadOp } from './workload.js';

/** Options of `arbitraries.workload`. */
export interface WorkloadOptions {
  /** Transactions per workload, default 1..5. */
  readonly minTxs?: number;
  readonly maxTxs?: number;
  /** Operations per transaction, default 1..6. */
  readonly maxOps?: number;
  /** Largest content written, default 64 KiB (most contents are far smaller). */
  readonly maxSize?: number;
  /** Operation kinds to draw from, default all. */
  readonly ops?: ReadonlyArray<WorkloadOp['op']>;
  /** Draw an `onExists` per transaction ('skip', 'fail', 'rename'; mostly 'overwrite'); default true. */
  readonly policies?: boolean;
}

/** The paths files may live at: two directories, one of which a workload may create. */
export const FILE_PATHS = ['a.txt', 'b.txt', 'c.json', 'sub/d.txt', 'sub/e.txt', 'new/f.txt'] as const;
/** The directories a workload may create. */
export const DIR_PATHS = ['new', 'sub/made'] as const;
/** Always present, so that `sub` exists. */
const BASE_FILE = 'sub/base.txt';

interface AbstractOp {
  readonly kind: WorkloadOp['op'];
  readonly a: number;
  readonly b: number;
  readonly size: number;
}

const resolveOp = (state: ModelState, op: AbstractOp): WorkloadOp => {
  const pick = <A>(xs: readonly A[], i: number): A => xs[i % xs.length] as A;
  const existing = [...state.files.keys()].sort();
  switch (op.kind) {
    case 'write':
      return { op: 'write', path: pick(FILE_PATHS, op.a), size: op.size };
    case 'delete':
      return { op: 'delete', path: existing.length > 0 ? pick(existing, op.a) : pick(FILE_PATHS, op.a) };
    case 'rename':
    case 'copy':
      return { op: op.kind, from: existing.length > 0 ? pick(existing, op.a) : pick(FILE_PATHS, op.a), to: pick(FILE_PATHS, op.b) };
    case 'mkdir':
      return { op: 'mkdir', path: pick(DIR_PATHS, op.a) };
  }
};

/** Keeps the valid operations of each transaction: every path touched once per transaction, parents existing at its start. */
export const resolveWorkload = (
  files: Readonly<Record<string, string>>,
  txs: ReadonlyArray<ReadonlyArray<AbstractOp>>,
  policies: ReadonlyArray<ExistsPolicy> = [],
): Workload => {
  const base: Workload = { files, txs: [] };
  let state = initialState(base);
  const out: WorkloadOp[][] = [];
  const kept: ExistsPolicy[] = [];
  for (const [t, abstract] of txs.entries()) {
    const tx: WorkloadOp[] = [];
    const used = new Set<string>();
    let inTx = state;
    for (const a of abstract) {
      const op = resolveOp(inTx, a);
      const paths = pathsOf(op);
      if (paths.some((p) => used.has(p) || used.has(parentOf(p)))) continue;
      if (paths.some((p) => parentOf(p) !== '' && !state.dirs.has(parentOf(p)))) continue;
      if (whyInvalid(inTx, op) !== undefined) continue;
      for (const p of paths) used.add(p);
      tx.push(op);
      inTx = applyTx(inTx, [op], out.length);
    }
    if (tx.length === 0) continue;
    const policy = policies[t] ?? 'overwrite';
    out.push(tx);
    kept.push(policy);
    state = applyTx(state, tx, out.length - 1, policy);
  }
  if (out.length === 0) return { files, txs: [[{ op: 'write', path: 'a.txt', size: 3 }]] };
  return kept.every((p) => p === 'overwrite') ? { files, txs: out } : { files, txs: out, policies: kept };
};

const size = (max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0, max: Math.min(max, 96) }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: Math.min(max, 6000) }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max }) },
  );

/** fast-check generators of transaction workloads. */
export const arbitraries = {
  /** Workloads of 1..5 transactions of 1..6 valid operations, over overlapping targets and pre-existing files. */
  workload: (options: WorkloadOptions = {}): fc.Arbitrary<Workload> => {
    const kinds = options.ops ?? ['write', 'write', 'delete', 'rename', 'copy', 'mkdir'];
    const op = fc.record({
      kind: fc.constantFrom(...kinds),
      a: fc.nat({ max: 11 }),
      b: fc.nat({ max: 11 }),
      size: size(options.maxSize ?? 64 * 1024),
    });
    const files = fc
      .subarray(['a.txt', 'b.txt', 'c.json', 'sub/d.txt'], { minLength: 0 })
      .chain((names) => fc.tuple(...names.map((n) => fc.string({ maxLength: 40 }).map((s) => [n, `old ${n}: ${s}`] as const))))
      .map((entries) => ({ [BASE_FILE]: 'base', ...Object.fromEntries(entries) }));
    const txs = fc.array(fc.array(op, { minLength: 1, maxLength: options.maxOps ?? 6 }), { minLength: options.minTxs ?? 1, maxLength: options.maxTxs ?? 5 });
    const policy = fc.oneof(
      { weight: options.policies === false ? 1 : 8, arbitrary: fc.constant<ExistsPolicy>('overwrite') },
      { weight: options.policies === false ? 0 : 1, arbitrary: fc.constantFrom<ExistsPolicy>('skip', 'fail', 'rename') },
    );
    return fc.tuple(files, txs, fc.array(policy, { minLength: 5, maxLength: 5 })).map(([f, t, p]) => resolveWorkload(f, t, p));
  },
};
