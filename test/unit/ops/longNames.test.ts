import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';

const cases = caseDirs();
const { at } = cases;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const bytes = (s: string): number => Buffer.byteLength(s);

describe('writeFileAtomic sibling backups of a file of a 250+ byte name', () => {
  it.each([
    ['250 bytes', `${'s'.repeat(246)}.txt`],
    ['255 bytes', `${'s'.repeat(251)}.txt`],
    ['250 bytes of 3-byte characters', `${'日'.repeat(82)}.txt`],
    ['255 bytes with no extension', 'n'.repeat(255)],
  ])('backs up and prunes a file named with %s, every name within NAME_MAX', async (_what, name) => {
    fs.writeFileSync(at(name), 'v0');
    for (let i = 1; i <= 4; i++) await writeFileAtomicWith(nodeFileSystem, at(name), `v${i}`, { backup: { keep: 2 } }, { now: () => T0 + i * 1000 });
    expect(fs.readFileSync(at(name), 'utf8')).toBe('v4');
    const others = fs.readdirSync(cases.dir).filter((f) => f !== name);
    const backups = others.filter((f) => f.endsWith('.bak'));
    expect(backups.map((f) => fs.readFileSync(at(f), 'utf8')).sort()).toEqual(['v2', 'v3']);
    expect(others.filter((f) => f.endsWith('.txfs-backups'))).toHaveLength(1);
    expect(others.filter((f) => !f.endsWith('.bak') && !f.endsWith('.txfs-backups'))).toEqual([]);
    for (const f of others) {
      expect(bytes(f)).toBeLessThanOrEqual(255);
      expect(f).not.toContain('\uFFFD');
    }
  });

  it('keeps the backups of two long names that differ only past the cut apart', async () => {
    const a = `${'p'.repeat(240)}-a.txt`;
    const b = `${'p'.repeat(240)}-b.txt`;
    fs.writeFileSync(at(a), 'a0');
    fs.writeFileSync(at(b), 'b0');
    for (let i = 1; i <= 3; i++) {
      await writeFileAtomicWith(nodeFileSystem, at(a), `a${i}`, { backup: { keep: 1 } }, { now: () => T0 + i * 1000 });
      await writeFileAtomicWith(nodeFileSystem, at(b), `b${i}`, { backup: { keep: 1 } }, { now: () => T0 + i * 1000 });
    }
    const kept = fs.readdirSync(cases.dir).filter((f) => f.endsWith('.bak')).map((f) => fs.readFileSync(at(f), 'utf8')).sort();
    expect(kept).toEqual(['a2', 'b2']);
    expect(fs.readdirSync(cases.dir).filter((f) => f.endsWith('.txfs-backups'))).toHaveLength(2);
  });
});
