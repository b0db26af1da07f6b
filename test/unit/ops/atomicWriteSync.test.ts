/**
 * The synchronous write: the same checks, decisions and errors as writeFileAtomic (compared case by case on real
 * files), the options it leaves out refused before anything is touched, the result it reports (SHA-256 and size of
 * what it wrote, a failed directory fsync as a warning), and the temps of dead writers swept synchronously.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeSyncFileSystem } from '../../../src/fs/node.js';
import { writeFileAtomic } from '../../../src/ops/atomicWrite.js';
import { writeFileAtomicSync, writeFileAtomicSyncWith } from '../../../src/ops/atomicWriteSync.js';
import { isTempName, tempName } from '../../../src/ops/tempName.js';
import { processWriters } from '../../../src/ops/writers.js';
import type { WriteOptions } from '../../../src/types.js';
import { faultySync } from '../../compat/faultySync.js';
import { caseDirs } from './caseDirs.js';

const cases = caseDirs();
const { at } = cases;
const temps = (): string[] => fs.readdirSync(cases.dir).filter(isTempName);

/** What a call ends in: its error's class, code, path and message (the temp's name masked), or 'written'. */
const ending = async (run: () => unknown): Promise<unknown> => {
  try {
    await run();
    return 'written';
  } catch (e) {
    const err = e as { name?: string; code?: unknown; path?: unknown; message: string };
    return { name: err.name, code: err.code, path: err.path, message: err.message.replace(/\.[^ /]*\.txfs-tmp/g, '<temp>').replace(/writeFileAtomic(Sync)?/g, '<call>') };
  }
};

describe('the synchronous write decides and fails as the asynchronous one', () => {
  const fixtures: ReadonlyArray<readonly [string, () => { path: string; options?: WriteOptions }]> = [
    ['a new file', () => ({ path: at('new.txt') })],
    ['a directory', () => (fs.mkdirSync(at('d')), { path: at('d') })],
    ['a missing directory', () => ({ path: at('missing/x.txt') })],
    ['a read-only file, no onExists', () => (fs.writeFileSync(at('ro'), 'old', { mode: 0o444 }), { path: at('ro') })],
    ['a dangling link', () => (fs.symlinkSync(at('nowhere'), at('dl')), { path: at('dl') })],
    ['an empty path', () => ({ path: '' })],
    ['a mode with the setuid bit', () => ({ path: at('m'), options: { mode: 0o4755 } })],
    ['a decimal mode', () => ({ path: at('m'), options: { mode: 644 } })],
    ['an unknown encoding', () => ({ path: at('m'), options: { encoding: 'klingon' as BufferEncoding } })],
  ];
  for (const [name, make] of fixtures) {
    it(`${name}`, async () => {
      const { path: p, options } = make();
      const before = fs.readdirSync(cases.dir).sort();
      const sync = await ending(() => writeFileAtomicSync(p, 'content', options));
      if (sync === 'written') fs.rmSync(p);
      const async = await ending(() => writeFileAtomic(p, 'content', options));
      expect(sync).toEqual(async);
      if (sync !== 'written') expect(fs.readdirSync(cases.dir).sort()).toEqual(before);
    });
  }
});

describe('the synchronous write', () => {
  it('reports the SHA-256 and size of what it wrote, keeps the mode of the replaced file, and leaves no temp', () => {
    fs.writeFileSync(at('a.txt'), 'old', { mode: 0o640 });
    const r = writeFileAtomicSync(at('a.txt'), 'héllo', { encoding: 'latin1' });
    const bytes = Buffer.from('héllo', 'latin1');
    expect(r).toEqual({ path: at('a.txt'), status: 'written', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    expect(fs.readFileSync(at('a.txt')).equals(bytes)).toBe(true);
    expect(fs.statSync(at('a.txt')).mode & 0o777).toBe(0o640);
    expect(temps()).toEqual([]);
  });

  it('refuses, before touching anything, each option only the asynchronous write honours (a TypeError naming it)', () => {
    const signal = new AbortController().signal;
    const refused: WriteOptions[] = [
      { validate: { name: 'v', validate: () => undefined } },
      { backup: true },
      { onExists: 'skip' },
      { checksumFile: true },
      { signal },
      { verify: 'readback' },
    ];
    for (const options of refused) expect(() => writeFileAtomicSync(at('x'), 'x', options)).toThrow(TypeError);
    expect(() => writeFileAtomicSync(at('x'), Buffer.from('x').values() as never)).toThrow(TypeError);
    expect(fs.readdirSync(cases.dir)).toEqual([]);
    writeFileAtomicSync(at('x'), 'x', { onExists: 'overwrite', backup: false, verify: 'none' });
    expect(fs.readFileSync(at('x'), 'utf8')).toBe('x');
  });

  it('creates a missing directory with mkdirp (fsyncing its parent), and replaces a read-only file when onExists says so', () => {
    writeFileAtomicSync(at('n/e/w.txt'), 'deep', { mkdirp: true });
    expect(fs.readFileSync(at('n/e/w.txt'), 'utf8')).toBe('deep');
    fs.writeFileSync(at('ro'), 'old', { mode: 0o444 });
    writeFileAtomicSync(at('ro'), 'new', { onExists: 'overwrite' });
    expect(fs.readFileSync(at('ro'), 'utf8')).toBe('new');
    expect(fs.statSync(at('ro')).mode & 0o777).toBe(0o444);
  });

  it('a directory fsync that fails after the rename is a warning: the file is written', () => {
    const sfs = faultySync(nodeSyncFileSystem);
    sfs.inject({ kind: 'syncDir', errno: 'EIO' });
    const r = writeFileAtomicSyncWith(sfs, at('w.txt'), 'new');
    expect(r.warnings).toEqual([expect.stringMatching(/w\.txt was written, but fsync of its directory failed .*power cut/) as string]);
    expect(fs.readFileSync(at('w.txt'), 'utf8')).toBe('new');
  });

  it("removes the temp a dead writer left for the file, never a live writer's", () => {
    const me = processWriters.selfSync?.();
    if (me === undefined) throw new Error('the process table has no selfSync');
    const dead = spawnSync(process.execPath, ['-e', '']).pid ?? 0;
    expect(dead).toBeGreaterThan(0);
    const deadTemp = tempName(at('t.txt'), `${dead.toString(36)}-x-${me.host}-abcdef0`, 0);
    const liveTemp = tempName(at('t.txt'), `${process.pid.toString(36)}-x-${me.host}-abcdef1`, 0);
    fs.writeFileSync(deadTemp, 'left by a dead writer');
    fs.writeFileSync(liveTemp, 'being written');
    writeFileAtomicSync(at('t.txt'), 'x');
    expect(temps()).toEqual([path.basename(liveTemp)]);
  });
});
