/**
 * One line per path: calls on the same key run one after the other, in the order they were made, within this process.
 * writeFileAtomic keys its calls by the absolute path asked for (so the last call wins, and each replaced version is
 * seen by the next call's backup), and sibling-backup index updates by the index's path. A key is forgotten as soon as
 * its last call has settled, so memory is bounded by the calls in flight.
 */
import { abortedError } from './abort.js';

/** The tail of each key's line: settles once every call queued on it so far has. Never rejects. */
const tails = new Map<string, Promise<void>>();

/** Resolves when `before` has, or rejects with EABORTED naming `path` as soon as `signal` fires. */
const waitTurn = (before: Promise<void>, signal: AbortSignal | undefined, path: string): Promise<void> => {
  if (signal === undefined) return before;
  if (signal.aborted) return Promise.reject(abortedError(signal, path));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(signal, path));
    signal.addEventListener('abort', onAbort, { once: true });
    void before.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
};

/**
 * Runs `run` once every earlier call queued on `key` has settled (its place in line is taken synchronously, when this
 * is called), and settles as `run` does. A call whose `signal` fires while it waits leaves the line at once with
 * EABORTED naming `path`; the calls after it still wait for the ones before it.
 * @throws TxfsError EABORTED; whatever `run` throws.
 */
export const inPathOrder = async <A>(key: string, run: () => Promise<A>, options: { readonly signal?: AbortSignal; readonly path?: string } = {}): Promise<A> => {
  const before = tails.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  // The next call waits for this one and, should this one leave early (aborted), still for the one before it.
  const tail = Promise.all([before, mine]).then(() => undefined);
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  try {
    await waitTurn(before, options.signal, options.path ?? key);
    return await run();
  } finally {
    done();
  }
};

/** How many keys have calls running or waiting (0 once every call has settled). */
export const pathsInLine = (): number => tails.size;
