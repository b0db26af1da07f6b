/**
 * Small formatters shared by the commands: sizes, times, checksums, transaction ids.
 */

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A byte count as a person reads it (`1.5 KiB`). Never throws. */
export const formatBytes = (bytes: number): string => {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit] ?? 'B'}`;
};

const pad = (n: number): string => String(n).padStart(2, '0');

/** A local date and time to the second (`2026-11-25 17:03:09`). Never throws. */
export const formatTime = (date: Date): string =>
  `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;

/** The first 12 hex digits of a SHA-256, enough to tell versions apart on screen. Never throws. */
export const shortSha = (sha256: string | undefined): string => (sha256 === undefined ? '-' : sha256.slice(0, 12));

/** Left-aligned columns: every row padded to the widest cell of its column. Never throws. */
export const formatTable = (rows: ReadonlyArray<readonly string[]>, visibleLength: (s: string) => number = (s) => s.length): string[] => {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd(),
  );
};

/** Length of a string as shown on a terminal: ANSI colour sequences take no room. Never throws. */
// eslint-disable-next-line no-control-regex
export const visibleLength = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, '').length;
