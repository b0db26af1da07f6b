/**
 * Which sibling backups are the newest is read from the order the index recorded them in, never from a clock: within
 * one second, with a clock stuck or stepped back (NTP), the newest `keep` replaced versions stay.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { listSiblingBackups } from '../../../src/ops/siblingBackup.js';

const cases = caseDirs();
const { at } = cases;
const T0 = Date.UTC(2026, 10, 25, 17, 5, 0);

/** The contents of the backups of `target` txfs lists, newest first. */
const listed = async (target: string): Promise<string[]> =>
  (await listSiblingBackups(nodeFileSystem, target, cases.dir)).map((b) => fs.readFileSync(at(b.name), 'utf8'));

const clocks: ReadonlyArray<readonly [string, (i: number) => number]> = [
  ['the real clock (seven writes within a second)', () => Date.now()],
  ['a clock stuck at one instant', () => T0],
  ['a clock stepped back a second before each write', (i) => T0 - i * 1000],
  ['a clock jumping back and forth by hours', (i) => T0 + (i % 2 === 0 ? 1 : -1) * i * 3_600_000],
];

describe('sibling backups: the newest replaced versions stay, whatever the clock', () => {
  for (const [name, clock] of clocks) {
    it(`keeps v4, v5, v6 of seven writes with keep: 3, under ${name}`, async () => {
      const target = at('v.txt');
      fs.writeFileSync(target, 'v0');
      for (let i = 1; i <= 7; i++) {
        const r = await writeFileAtomicWith(nodeFileSystem, target, `v${i}`, { backup: { keep: 3 } }, { now: () => clock(i) });
        expect(r.warnings).toBeUndefined();
      }
      expect(fs.readFileSync(target, 'utf8')).toBe('v7');
      expect(await listed(target)).toEqual(['v6', 'v5', 'v4']);
      expect(fs.readdirSync(cases.dir).filter((f) => f.endsWith('.bak'))).toHaveLength(3);
    });
  }

  it('still drops a backup older than maxAgeDays by its recorded time, whatever its place', async () => {
    const target = at('m.txt');
    fs.writeFileSync(target, 'ancient');
    await writeFileAtomicWith(nodeFileSystem, target, 'w1', { backup: { keep: 5 } }, { now: () => T0 - 90 * 86_400_000 });
    await writeFileAtomicWith(nodeFileSystem, target, 'w2', { backup: { keep: 5, maxAgeDays: 30 } }, { now: () => T0 });
    expect(await listed(target)).toEqual(['w1']);
  });
});
