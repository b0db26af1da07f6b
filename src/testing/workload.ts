/**
 * Transaction workloads for crash tests, and the pure model they are checked against: the state of every
 * path after each transaction, computed without any I/O.
 */

/** One operation of a workload transaction. Paths are relative to the store's root. Written content is `contentOf`. */
export type WorkloadOp =
  | { readonly op: 'write'; readonly path: string; readonly size: number }
  | { readonly op: 'delete'; readonly path: string }
  | { readonly op: 'rename'; readonly from: string; readonly to: string }
  | { readonly op: 'copy'; readonly from: string; readonly to: string }
  | { readonly op: 'mkdir'; readonly path: string };

/** How a transaction treats a target that exists (its `onExists`; default 'overwrite'). */
export type ExistsPolicy = 'overwrite' | 'skip' | 'fail' | 'rename';

/** Files present before the workload (durable), then transactions run one after the other. */
export interface Workload {
  readonly files: Readonly<Record<string, string>>;
  readonly txs: ReadonlyArray<ReadonlyArray<WorkloadOp>>;
  /** Each transaction's `onExists` (by index; absent: 'overwrite'). */
  readonly policies?: ReadonlyArray<ExistsPolicy | undefined>;
}

/** What became of each transaction of a workload run. */
export type TxOutcome =
  | { readonly status: 'acked'; readonly id: string }
  | { readonly status: 'failed'; readonly code: string; readonly message: string }
  | { readonly status: 'crashed' }
  | { readonly status: 'not-run' };

/** Which commits resolved (and how the others ended), in workload order. */
export interface Acknowledged {
  readonly outcomes: readonly TxOutcome[];
}

/** The modelled state: file contents by path, and directories. */
export interface ModelState {
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly dirs: ReadonlySet<string>;
}

/** The bytes operation `op` of transaction `tx` writes: distinct per (tx, op), `size` long. */
export const contentOf = (tx: number, op: number, size: number): Uint8Array => {
  const out = new Uint8Array(size);
  const head = Buffer.from(`tx${tx}.op${op}|`, 'utf8');
  out.set(head.subarray(0, size));
  for (let i = head.length; i < size; i++) out[i] = 97 + ((i * 7 + tx * 13 + op * 5) % 26);
  return out;
};

/** The paths an operation changes (a copy's source is only read). */
export const targetsOf = (op: WorkloadOp): string[] =>
  op.op === 'rename' ? [op.from, op.to] : op.op === 'copy' ? [op.to] : [op.path];

/** Every path an operation touches, read or written. */
export const pathsOf = (op: WorkloadOp): string[] => (op.op === 'rename' || op.op === 'copy' ? [op.from, op.to] : [op.path]);

/** The directory part of a relative path ('' for the root). */
export const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

/** The state before any transaction. */
export const initialState = (w: Workload): ModelState => {
  const dirs = new Set<string>(['']);
  const files = new Map<string, Uint8Array>();
  for (const [p, content] of Object.entries(w.files)) {
    files.set(p, Buffer.from(content, 'utf8'));
    for (let d = parentOf(p); d !== ''; d = parentOf(d)) dirs.add(d);
  }
  return { files, dirs };
};

/** Why `op` cannot run in `state` (undefined: it can). */
export const whyInvalid = (state: ModelState, op: WorkloadOp): string | undefined => {
  const fileThere = (p: string): boolean => state.files.has(p);
  const placeable = (p: string): boolean => state.dirs.has(parentOf(p)) && !state.dirs.has(p);
  switch (op.op) {
    case 'write':
      return placeable(op.path) ? undefined : `cannot write ${op.path}`;
    case 'delete':
      return fileThere(op.path) ? undefined : `${op.path} does not exist`;
    case 'rename':
    case 'copy':
      return fileThere(op.from) && placeable(op.to) && op.from !== op.to ? undefined : `cannot ${op.op} ${op.from} to ${op.to}`;
    case 'mkdir':
      return placeable(op.path) && !fileThere(op.path) ? undefined : `cannot mkdir ${op.path}`;
  }
};

/** `name (1).ext`, `name (2).ext`, … : the first name beside `rel` that `taken` does not hold (as a store's 'rename' picks). */
export const renamedRel = (rel: string, taken: (p: string) => boolean): string => {
  const dir = parentOf(rel);
  const base = rel.slice(dir === '' ? 0 : dir.length + 1);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  for (let i = 1; ; i++) {
    const name = `${dir === '' ? '' : `${dir}/`}${stem} (${i})${ext}`;
    if (!taken(name)) return name;
  }
};

/**
 * The state after transaction `tx` (its index `k`) applied to `state` under `policy` for targets that exist
 * when it starts ('fail' with such a target: nothing changes); ops are assumed valid.
 */
export const applyTx = (state: ModelState, tx: ReadonlyArray<WorkloadOp>, k: number, policy: ExistsPolicy = 'overwrite'): ModelState => {
  const files = new Map(state.files);
  const dirs = new Set(state.dirs);
  const exists = (p: string): boolean => state.files.has(p);
  const puts = (op: WorkloadOp): string | undefined => (op.op === 'write' ? op.path : op.op === 'rename' || op.op === 'copy' ? op.to : undefined);
  if (policy === 'fail' && tx.some((op) => exists(puts(op) ?? ''))) return state;
  const chosen = new Set<string>();
  const target = (p: string): string | undefined => {
    if (!exists(p) || policy === 'overwrite') return p;
    if (policy === 'skip') return undefined;
    const name = renamedRel(p, (q) => files.has(q) || dirs.has(q) || chosen.has(q) || state.files.has(q));
    chosen.add(name);
    return name;
  };
  tx.forEach((op, i) => {
    switch (op.op) {
      case 'write': {
        const to = target(op.path);
        if (to !== undefined) files.set(to, contentOf(k, i, op.size));
        break;
      }
      case 'delete':
        files.delete(op.path);
        break;
      case 'rename': {
        const to = target(op.to);
        const content = files.get(op.from);
        if (to === undefined) break;
        files.delete(op.from);
        if (content !== undefined) files.set(to, content);
        break;
      }
      case 'copy': {
        const to = target(op.to);
        const content = files.get(op.from);
        if (content !== undefined && to !== undefined) files.set(to, content);
        break;
      }
      case 'mkdir':
        dirs.add(op.path);
        break;
    }
  });
  return { files, dirs };
};

/**
 * The model's states: `states[k]` is the state before transaction k, given how each transaction ended
 * (a failed or not-run transaction changes nothing). `inFlight` is the transaction a crash interrupted, if any:
 * `states[inFlight]` is its old state and `states[inFlight + 1]` its new one.
 */
export const modelStates = (w: Workload, acked: Acknowledged): { states: ModelState[]; inFlight: number | undefined } => {
  const states = [initialState(w)];
  const crashedAt = acked.outcomes.findIndex((o) => o.status === 'crashed');
  const inFlight = crashedAt < 0 ? undefined : crashedAt;
  w.txs.forEach((tx, k) => {
    const before = states[k] as ModelState;
    const outcome = acked.outcomes[k] ?? { status: 'not-run' };
    states.push(outcome.status === 'acked' || k === inFlight ? applyTx(before, tx, k, w.policies?.[k]) : before);
  });
  return { states, inFlight };
};

/** A short human description of a workload (for failure messages). */
export const describeWorkload = (w: Workload): string => {
  const op = (o: WorkloadOp): string =>
    o.op === 'write' ? `write ${o.path} (${o.size} B)` : o.op === 'rename' || o.op === 'copy' ? `${o.op} ${o.from} -> ${o.to}` : `${o.op} ${o.path}`;
  const files = Object.entries(w.files).map(([p, c]) => `${p} (${Buffer.byteLength(c)} B)`);
  const policy = (k: number): string => (w.policies?.[k] ?? 'overwrite') === 'overwrite' ? '' : ` (onExists: ${w.policies?.[k] ?? ''})`;
  return [`files: ${files.join(', ') || '(none)'}`, ...w.txs.map((tx, k) => `tx${k}${policy(k)}: ${tx.map(op).join('; ')}`)].join('\n');
};
