/** What every bench computes its figures with. */

/** The median of `xs` (the mean of the two middle values for an even count); NaN for none. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

/** A monotonic clock in milliseconds. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
