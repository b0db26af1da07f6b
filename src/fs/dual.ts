/**
 * Steps written once for both doors to the disk. A dual step is a generator that yields the file system calls it
 * needs (`yield* io('lstat', path)`) and gets each result back (or the call's error thrown in, so that its own
 * try/catch handles it); `runAsync` performs the calls on a `FileSystem`, `runSync` on a `SyncFileSystem`. The rules
 * such a step holds — which errors mean "absent", which directory is fsynced after which mkdir — then exist once.
 */
import type { FileSystem } from './fileSystem.js';
import type { SyncFileSystem } from './syncFileSystem.js';

/** The calls a dual step may make: those both file systems have, with the same arguments and results. */
type DualOps = Pick<SyncFileSystem, 'lstat' | 'stat' | 'realpath' | 'readFile' | 'readdir' | 'mkdir' | 'syncDir' | 'unlink'>;
type DualOp = keyof DualOps;

/** One call a dual step asks for. */
export type DualCall = { readonly [K in DualOp]: { readonly op: K; readonly args: Parameters<DualOps[K]> } }[DualOp];

/** A step that can run on either file system and results in `A`. */
export type Dual<A> = Generator<DualCall, A, unknown>;

// Both doors must answer each dual call alike: the asynchronous one with a promise of what the synchronous one returns.
type Matches<K extends DualOp> = FileSystem[K] extends (...a: Parameters<DualOps[K]>) => Promise<ReturnType<DualOps[K]>> ? true : false;
const matching: { readonly [K in DualOp]: Matches<K> } = {
  lstat: true, stat: true, realpath: true, readFile: true, readdir: true, mkdir: true, syncDir: true, unlink: true,
};
void matching;

/** Asks for `fs[op](...args)` and returns its result (or throws its error) inside a dual step. */
export function* io<K extends DualOp>(op: K, ...args: Parameters<DualOps[K]>): Generator<DualCall, ReturnType<DualOps[K]>, unknown> {
  return (yield { op, args } as DualCall) as ReturnType<DualOps[K]>;
}

const perform = (fs: DualOps | FileSystem, call: DualCall): unknown => (fs[call.op] as (...a: readonly unknown[]) => unknown)(...call.args);

/**
 * Runs a dual step on the synchronous file system.
 * @throws whatever the step throws (the file system's TxfsError when the step does not handle it).
 */
export const runSync = <A>(fs: SyncFileSystem, step: Dual<A>): A => {
  for (let next = step.next(); ; ) {
    if (next.done === true) return next.value;
    let result: unknown;
    try {
      result = perform(fs, next.value);
    } catch (e) {
      next = step.throw(e);
      continue;
    }
    next = step.next(result);
  }
};

/**
 * Runs a dual step on the asynchronous file system. `lstatAtOnce`: its lstats run with `fs.lstatSync` where the file
 * system has one (one metadata call, cheaper than a thread-pool round trip), the other calls as promises.
 * @throws whatever the step throws (the file system's TxfsError when the step does not handle it).
 */
export const runAsync = async <A>(fs: FileSystem, step: Dual<A>, options: { readonly lstatAtOnce?: boolean } = {}): Promise<A> => {
  const lstatSync = options.lstatAtOnce === true ? fs.lstatSync?.bind(fs) : undefined;
  let next = step.next();
  while (next.done !== true) {
    const call = next.value;
    const outcome = await new Promise((resolve) => resolve(lstatSync !== undefined && call.op === 'lstat' ? lstatSync(...call.args) : perform(fs, call))).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    next = outcome.ok ? step.next(outcome.value) : step.throw(outcome.error);
  }
  return next.value;
};

/** The result of `step`, or `fallback` when it throws anything (a read whose failure only means "not known"). */
export function* orElse<A, B>(step: Dual<A>, fallback: B): Dual<A | B> {
  try {
    return yield* step;
  } catch {
    return fallback;
  }
}

/** The result of `step` passed through `f`. */
export function* mapDual<A, B>(step: Dual<A>, f: (a: A) => B): Dual<B> {
  return f(yield* step);
}
