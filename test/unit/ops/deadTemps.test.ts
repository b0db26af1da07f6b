/**
 * Dead writers' temps beside a target: removed by a write of the target, which lists the directory only when the
 * target is due a look (never looked at, found quiet QUIET_MS ago or more, or holding a temp of a writer still running).
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeFileSystem, nodeSyncFileSystem } from '../../../src/fs/node.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { writeFileAtomicSyncWith } from '../../../src/ops/atomicWriteSync.js';
import { QUIET_MS } from '../../../src/ops/removeDeadTemps.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { tempName } from '../../../src/ops/tempName.js';
import type { WriterIdentity, Writers } from '../../../src/ops/writers.js';
import { caseDirs } from './caseDirs.js';

const cases = caseDirs();
const { at } = cases;

const me: WriterIdentity = { pid: 4242, start: '77', host: 'abcdef01' };
const dead: WriterIdentity = { pid: 5151, start: '12', host: 'abcdef01' };
const alive: WriterIdentity = { pid: 6161, start: '34', host: 'abcdef01' };
/** A process table where `dead` is gone and everyone else runs. */
const writers: Writers = {
  self: async () => me,
  selfSync: () => me,
  isGone: async (w) => w.pid === dead.pid,
  isGoneSync: (w) => w.pid === dead.pid,
};
let n = 0;
/** A temp of `w`'s beside `target`, as its write would have named it. */
const plant = (target: string, w: WriterIdentity): string => {
  const id = `${w.pid.toString(36)}-${Number(w.start).toString(36)}-${w.host}-0a0b0c${(n++).toString(36)}`;
  const p = tempName(target, id, 0);
  fs.writeFileSync(p, 'left behind');
  return p;
};
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("dead writers' temps", () => {
  it('a target found quiet is listed again only QUIET_MS later; then its dead writer\'s temp goes', async () => {
    const target = at('t.txt');
    const traced = createFaultyFileSystem(nodeFileSystem);
    await writeFileAtomicWith(traced, target, 'one', {}, { writers });
    const left = plant(target, dead);
    const from = traced.trace.length;
    for (let i = 0; i < 5; i++) await writeFileAtomicWith(traced, target, `again ${i}`, {}, { writers });
    // Five writes one after another: no listing, the temp still there.
    expect(traced.trace.slice(from).filter((c) => c.kind === 'readdir')).toEqual([]);
    expect(fs.existsSync(left)).toBe(true);
    await pause(QUIET_MS + 100);
    await writeFileAtomicWith(traced, target, 'later', {}, { writers });
    expect(fs.existsSync(left)).toBe(false);
    expect(fs.readFileSync(target, 'utf8')).toBe('later');
  });

  it("a temp of a writer still running keeps the target listed on every write: a dead one's temp goes at the next write", async () => {
    const target = at('u.txt');
    const living = plant(target, alive);
    await writeFileAtomicWith(nodeFileSystem, target, 'one', {}, { writers });
    const left = plant(target, dead);
    await writeFileAtomicWith(nodeFileSystem, target, 'two', {}, { writers });
    expect(fs.existsSync(left)).toBe(false);
    expect(fs.existsSync(living)).toBe(true);
  });

  it('the synchronous write keeps the same rule', async () => {
    const target = at('s.txt');
    writeFileAtomicSyncWith(nodeSyncFileSystem, target, 'one', {}, { writers });
    const left = plant(target, dead);
    writeFileAtomicSyncWith(nodeSyncFileSystem, target, 'two', {}, { writers });
    expect(fs.existsSync(left)).toBe(true);
    await pause(QUIET_MS + 100);
    writeFileAtomicSyncWith(nodeSyncFileSystem, target, 'three', {}, { writers });
    expect(fs.existsSync(left)).toBe(false);
  });
});
