import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import { formatBytes, formatTable, shortSha, visibleLength } from '../../../src/cli/format.js';

describe('format', () => {
  it('formatBytes shows bytes below 1 KiB exactly and larger sizes to one decimal of the right unit', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(9 * 1024 * 1024)).toBe('9.0 MiB');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (n) => {
        const [value = '', unit = ''] = formatBytes(n).split(' ');
        const power = ['B', 'KiB', 'MiB', 'GiB', 'TiB'].indexOf(unit);
        expect(power).toBeGreaterThanOrEqual(0);
        expect(Math.abs(Number(value) * 1024 ** power - n)).toBeLessThanOrEqual(0.05 * 1024 ** power);
        if (power > 0) expect(Number(value)).toBeLessThan(1024.05);
      }),
    );
  });

  it('formatTable lines up every column whatever the cells, colour codes taking no room', () => {
    const colors = pc.createColors(true);
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '1'), maxLength: 8 }).map((s) => s.trim() || 'x');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((cols) => fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 6 })), (rows) => {
        const coloured = rows.map((r, i) => (i === 0 ? r.map((c) => colors.dim(c)) : r));
        // eslint-disable-next-line no-control-regex
        const lines = formatTable(coloured, visibleLength).map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''));
        const cols = rows[0]?.length ?? 0;
        lines.forEach((line, row) => {
          const start = cellStart(line, rows, row, cols - 1);
          expect(line.slice(start)).toBe(rows[row]?.[cols - 1]);
        });
      }),
    );
  });

  it('shortSha keeps 12 hex digits and shows a dash for none', () => {
    expect(shortSha('0123456789abcdef')).toBe('0123456789ab');
    expect(shortSha(undefined)).toBe('-');
  });
});

/** Where column `col` starts in a plain table line, checking that every cell before it sits at its column's start. */
const cellStart = (line: string, rows: string[][], row: number, col: number): number => {
  let pos = 0;
  for (let c = 0; c < col; c++) {
    const width = Math.max(...rows.map((r) => r[c]?.length ?? 0));
    expect(line.slice(pos, pos + width).trimEnd()).toBe(rows[row]?.[c]);
    expect(line.slice(pos + width, pos + width + 2)).toBe('  ');
    pos += width + 2;
  }
  return pos;
};
