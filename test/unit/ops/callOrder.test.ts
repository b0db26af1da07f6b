/**
 * Concurrent writeFileAtomic calls on one path in one process land in call order: the last call wins, and every
 * version replaced on the way gets its backup (write-file-atomic's promise, ported).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { writeFileAtomic } from '../../../src/ops/atomicWrite.js';
import { pathsInLine } from '../../../src/ops/pathQueue.js';
import { listSiblingBackups } from '../../../src/ops/siblingBackup.js';
import { isTempName } from '../../../src/ops/tempName.js';

const cases = caseDirs();
const { at } = cases;
/** The first bytes of the file: enough to tell the versions apart without printing megabytes on a failure. */
const head = (file: string): string => fs.readFileSync(file, 'utf8').slice(0, 12);
const bakContents = (dir: string): string[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bak'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .sort();

/** `chunks` chunks of 16 KiB of `letter`, each after a turn of the event loop: a write that takes a while. */
async function* slowly(letter: string, chunks: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < chunks; i++) {
    await new Promise((r) => setImmediate(r));
    yield Buffer.alloc(16 * 1024, letter);
  }
}

describe('writeFileAtomic, calls on one path in one process', () => {
  it('lands five unawaited calls in call order: the last call wins, 30 rounds of 30', async () => {
    let won = 0;
    for (let round = 0; round < 30; round++) {
      const target = at(`r${round}.txt`);
      // Different sizes, so that a shorter, later write would overtake an earlier one if nothing kept the order.
      const calls = [4, 3, 2, 1, 0].map((k, i) => writeFileAtomic(target, `v${i} `.repeat(1 + k * 20_000)));
      await Promise.all(calls);
      if (fs.readFileSync(target, 'utf8') === 'v4 ') won++;
    }
    expect(won).toBe(30);
    expect(fs.readdirSync(cases.dir).filter(isTempName)).toEqual([]);
  });

  it('gives each replaced version its backup (keep: 10): v0 to v3 are kept, the target holds v4', async () => {
    const target = at('b.txt');
    fs.writeFileSync(target, 'base');
    await Promise.all([0, 1, 2, 3, 4].map((i) => writeFileAtomic(target, `v${i}`, { backup: { keep: 10 } })));
    expect(fs.readFileSync(target, 'utf8')).toBe('v4');
    expect(bakContents(cases.dir)).toEqual(['base', 'v0', 'v1', 'v2', 'v3']);
  });

  it('records every backup when files of one name in two directories share a backup directory (one index)', async () => {
    for (const d of ['a', 'b', 'bk']) fs.mkdirSync(at(d));
    for (const d of ['a', 'b']) fs.writeFileSync(at(`${d}/x.txt`), `${d}0`);
    const writes: Array<Promise<unknown>> = [];
    for (let i = 1; i <= 4; i++) for (const d of ['a', 'b']) writes.push(writeFileAtomic(at(`${d}/x.txt`), `${d}${i}`, { backup: { keep: 10, dir: at('bk') } }));
    await Promise.all(writes);
    for (const d of ['a', 'b']) {
      const listed = await listSiblingBackups(nodeFileSystem, at(`${d}/x.txt`), at('bk'));
      expect(listed.map((b) => fs.readFileSync(at(`bk/${b.name}`), 'utf8'))).toEqual([`${d}3`, `${d}2`, `${d}1`, `${d}0`]);
    }
  });

  it('orders a path given relatively and absolutely as one path', async () => {
    const target = at('rel.txt');
    const rel = path.relative(process.cwd(), target);
    await Promise.all([writeFileAtomic(target, slowly('a', 20)), writeFileAtomic(rel, slowly('b', 10)), writeFileAtomic(target, 'c'.repeat(100_000)), writeFileAtomic(rel, 'd')]);
    expect(head(target)).toBe('d');
  });

  it('lets a failed call not stop the ones after it, and forgets a path once its calls have settled', async () => {
    const target = at('f.txt');
    const results = await Promise.allSettled([
      writeFileAtomic(target, 'one'),
      writeFileAtomic(target, 'two', { onExists: 'fail' }),
      writeFileAtomic(target, 'three'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(fs.readFileSync(target, 'utf8')).toBe('three');
    expect(pathsInLine()).toBe(0);
  });

  it('lets a call whose signal fires while it waits leave the line at once (EABORTED), the others still in order', async () => {
    const target = at('s.txt');
    const ac = new AbortController();
    let firstDone = false;
    const first = writeFileAtomic(target, slowly('x', 200)).finally(() => (firstDone = true));
    const waiting = writeFileAtomic(target, 'never', { signal: ac.signal });
    const last = writeFileAtomic(target, 'last');
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'EABORTED', path: target });
    expect(firstDone).toBe(false);
    await Promise.all([first, last]);
    expect(head(target)).toBe('last');
    expect(pathsInLine()).toBe(0);
  });
});
