/**
 * A counting semaphore whose takers may ask for several slots at once.
 */

/** A counting semaphore; `take(n)` waits until `n` slots are free together (a rename needs two: no deadlock). */
export const slots = (size: number): ((n: number) => Promise<() => void>) => {
  let free = size;
  const waiting: Array<{ n: number; go: () => void }> = [];
  const wake = (): void => {
    while (waiting.length > 0 && (waiting[0]?.n ?? 0) <= free) {
      const w = waiting.shift() as { n: number; go: () => void };
      free -= w.n;
      w.go();
    }
  };
  return async (n) => {
    if (waiting.length === 0 && n <= free) free -= n;
    else await new Promise<void>((go) => waiting.push({ n, go }));
    return () => {
      free += n;
      wake();
    };
  };
};
