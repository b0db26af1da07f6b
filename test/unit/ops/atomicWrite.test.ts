import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { TxfsError } from '../../../src/errors.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { writeFileAtomic, writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { isTempName } from '../../../src/ops/tempName.js';
import type { Conflict } from '../../../src/types.js';

const cases = caseDirs();
const { at } = cases;
const noTemps = (): void => expect(fs.readdirSync(cases.dir).filter(isTempName)).toEqual([]);

describe('writeFileAtomic', () => {
  it('creates a new file with the default mode and reports its hash and size', async () => {
    const r = await writeFileAtomic(at('a.json'), '{"v":1}');
    expect(r).toEqual({ path: at('a.json'), status: 'written', sha256: sha256Of('{"v":1}'), size: 7 });
    expect(fs.readFileSync(at('a.json'), 'utf8')).toBe('{"v":1}');
    const umask = process.umask();
    expect(fs.statSync(at('a.json')).mode & 0o777).toBe(0o666 & ~umask);
    noTemps();
  });

  it('replaces an existing file keeping its mode, and resolves a relative path against the working directory', async () => {
    fs.writeFileSync(at('m.txt'), 'old');
    fs.chmodSync(at('m.txt'), 0o640);
    const rel = path.relative(process.cwd(), at('m.txt'));
    const r = await writeFileAtomic(rel, 'new');
    expect(r.path).toBe(at('m.txt'));
    expect(fs.readFileSync(at('m.txt'), 'utf8')).toBe('new');
    expect(fs.statSync(at('m.txt')).mode & 0o777).toBe(0o640);
  });

  it('uses an explicit mode exactly, whatever the umask', async () => {
    await writeFileAtomic(at('x.sh'), '#!/bin/sh\n', { mode: 0o777 });
    expect(fs.statSync(at('x.sh')).mode & 0o777).toBe(0o777);
  });

  it('writes bytes, a Readable and an async iterable; empty content too', async () => {
    await writeFileAtomic(at('b.bin'), new Uint8Array([1, 2, 3]));
    expect([...fs.readFileSync(at('b.bin'))]).toEqual([1, 2, 3]);
    await writeFileAtomic(at('s.txt'), Readable.from(['x', 'y', 'z'].map((s) => Buffer.from(s))));
    expect(fs.readFileSync(at('s.txt'), 'utf8')).toBe('xyz');
    const gen = async function* (): AsyncGenerator<Uint8Array> {
      yield Buffer.from('1');
      yield Buffer.from('2');
    };
    const r = await writeFileAtomic(at('g.txt'), gen());
    expect(r.sha256).toBe(sha256Of('12'));
    expect((await writeFileAtomic(at('e.txt'), '')).size).toBe(0);
    expect(fs.readFileSync(at('e.txt')).length).toBe(0);
  });

  it('writes through a symlink to the file it names, keeping the link', async () => {
    fs.writeFileSync(at('real.txt'), 'old');
    fs.symlinkSync(at('real.txt'), at('link.txt'));
    const r = await writeFileAtomic(at('link.txt'), 'new');
    expect(r.path).toBe(at('real.txt'));
    expect(fs.lstatSync(at('link.txt')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(at('real.txt'), 'utf8')).toBe('new');
  });

  it('makes the temp file durable, renames, then fsyncs the directory, in that order (and lists the directory for dead writers\' temps while the fdatasync runs)', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    fs.writeFileSync(at('o.txt'), 'old');
    await writeFileAtomicWith(faulty, at('o.txt'), 'new');
    const kinds = faulty.trace.map((c) => c.kind);
    expect(kinds.filter((k) => k !== 'readdir')).toEqual(['lstat', 'open', 'write', 'datasync', 'close', 'rename', 'syncDir']);
    // The listing runs beside the fdatasync: after the temp is written, before the rename.
    expect(kinds.filter((k) => k === 'readdir')).toHaveLength(1);
    expect(kinds.indexOf('readdir')).toBeGreaterThan(kinds.indexOf('write'));
    expect(kinds.indexOf('readdir')).toBeLessThan(kinds.indexOf('rename'));
    expect(faulty.trace.find((c) => c.kind === 'syncDir')?.path).toBe(cases.dir);
  });

  it('skips every fsync with fsync: false', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    await writeFileAtomicWith(faulty, at('f.txt'), 'x', { fsync: false });
    expect(faulty.trace.map((c) => c.kind).filter((k) => k === 'datasync' || k === 'sync' || k === 'syncDir')).toEqual([]);
  });

  it("verifies the temp before the rename: 'size' stats it, 'readback' re-reads it, 'checksum' adds no call", async () => {
    for (const [verify, extra] of [['checksum', []], ['none', []], ['size', ['stat']], ['readback', ['open', 'read', 'read', 'close']]] as const) {
      const faulty = createFaultyFileSystem(nodeFileSystem);
      await writeFileAtomicWith(faulty, at(`v-${verify}.txt`), 'content', { verify });
      const kinds = faulty.trace.map((c) => c.kind);
      expect(kinds.slice(kinds.indexOf('close') + 1, kinds.indexOf('rename'))).toEqual(extra);
      expect(kinds.slice(kinds.indexOf('rename'))).toEqual(['rename', 'syncDir']);
      for (const c of faulty.trace.filter((t) => t.kind === 'stat' || t.kind === 'read')) expect(isTempName(c.path)).toBe(true);
    }
  });

  it('writes a sidecar that names the file and matches its content', async () => {
    const r = await writeFileAtomic(at('c.csv'), 'a,b\n1,2\n', { checksumFile: true });
    expect(fs.readFileSync(at('c.csv.sha256'), 'utf8')).toBe(`${r.sha256}  c.csv\n`);
    noTemps();
  });

  it('fails with ENOENT naming the missing directory, or creates it with mkdirp', async () => {
    const deep = at('x/y/z.txt');
    const e = (await writeFileAtomic(deep, 'a').catch((x: unknown) => x)) as TxfsError;
    expect(e).toBeInstanceOf(TxfsError);
    expect(e.code).toBe('ENOENT');
    expect(e.path).toBe(at('x/y'));
    expect(e.message).toContain(at('x/y'));
    expect(e.message).toContain('mkdirp');
    expect(fs.existsSync(at('x'))).toBe(false);
    await writeFileAtomic(deep, 'a', { mkdirp: true });
    expect(fs.readFileSync(deep, 'utf8')).toBe('a');
  });

  it('mkdirp fsyncs the parent of every directory it creates', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    await writeFileAtomicWith(faulty, at('p/q/r.txt'), 'a', { mkdirp: true });
    expect(faulty.trace.filter((c) => c.kind === 'syncDir').map((c) => c.path)).toEqual([cases.dir, at('p'), at('p/q')]);
  });
});

describe('writeFileAtomic, concurrent writers', () => {
  it('lets 20 concurrent writes of one file all land whole: the file ends as one of them, no temp file left', async () => {
    const contents = Array.from({ length: 20 }, (_, i) => `writer ${i} `.repeat(500 + i));
    const results = await Promise.all(contents.map((c) => writeFileAtomic(at('shared.txt'), c, { backup: { keep: 3 } })));
    expect(results.every((r) => r.status === 'written')).toBe(true);
    expect(contents).toContain(fs.readFileSync(at('shared.txt'), 'utf8'));
    noTemps();
    const backups = fs.readdirSync(cases.dir).filter((f) => f.endsWith('.bak'));
    for (const b of backups) expect(contents).toContain(fs.readFileSync(at(b), 'utf8'));
  });

  it("with 'rename', gives concurrent writers distinct names and never overwrites", async () => {
    fs.writeFileSync(at('r.txt'), 'original');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => writeFileAtomic(at('r.txt'), `copy ${i}`, { onExists: 'rename' })));
    expect(results.map((r) => r.path).sort()).toEqual(Array.from({ length: 8 }, (_, i) => at(`r (${i + 1}).txt`)).sort());
    for (const [i, r] of results.entries()) expect(fs.readFileSync(r.path, 'utf8')).toBe(`copy ${i}`);
    expect(fs.readFileSync(at('r.txt'), 'utf8')).toBe('original');
    noTemps();
  });
});

describe('writeFileAtomic onExists', () => {
  const seed = (): void => fs.writeFileSync(at('a.txt'), 'old');

  it("'skip' leaves the file and reports its current hash", async () => {
    seed();
    const r = await writeFileAtomic(at('a.txt'), 'new', { onExists: 'skip' });
    expect(r).toEqual({ path: at('a.txt'), status: 'skipped', sha256: sha256Of('old'), size: 3 });
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('old');
    noTemps();
  });

  it("'skip' and 'fail' write a file that does not exist", async () => {
    expect((await writeFileAtomic(at('s.txt'), 'new', { onExists: 'skip' })).status).toBe('written');
    expect((await writeFileAtomic(at('f.txt'), 'new', { onExists: 'fail' })).status).toBe('written');
    noTemps();
  });

  it("'fail' rejects with ECONFLICT of kind exists and touches nothing", async () => {
    seed();
    const e = await writeFileAtomic(at('a.txt'), 'new', { onExists: 'fail' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'exists', path: at('a.txt'), current: { size: 3 } } });
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('old');
    noTemps();
  });

  it("'rename' lands as name (1).ext, then name (2).ext", async () => {
    seed();
    expect((await writeFileAtomic(at('a.txt'), 'n1', { onExists: 'rename' })).path).toBe(at('a (1).txt'));
    expect((await writeFileAtomic(at('a.txt'), 'n2', { onExists: 'rename' })).path).toBe(at('a (2).txt'));
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('old');
    expect(fs.readFileSync(at('a (2).txt'), 'utf8')).toBe('n2');
    noTemps();
  });

  it("gives a file landing beside a read-only one ('rename') the default mode, not the read-only one's", async () => {
    seed();
    fs.chmodSync(at('a.txt'), 0o400);
    const r = await writeFileAtomic(at('a.txt'), 'n', { onExists: 'rename' });
    expect(fs.statSync(r.path).mode & 0o777).toBe(0o666 & ~process.umask());
  });

  it("'keep-both' lands as name (conflict <UTC time>).ext", async () => {
    seed();
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const r = await writeFileAtomicWith(nodeFileSystem, at('a.txt'), 'ours', { onExists: 'keep-both' }, { now: () => now });
    expect(r.path).toBe(at('a (conflict 2026-01-02 030405).txt'));
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('old');
  });

  it('asks a callback with the conflict; its cancel is ECONFLICT', async () => {
    seed();
    const seen: Conflict[] = [];
    const r = await writeFileAtomic(at('a.txt'), 'new', {
      onExists: async (c) => {
        seen.push(c);
        return 'overwrite';
      },
    });
    expect(r.status).toBe('written');
    expect(seen[0]).toMatchObject({ kind: 'exists', path: at('a.txt'), current: { size: 3 }, incoming: { size: 3, sha256: sha256Of('new') } });
    await expect(writeFileAtomic(at('a.txt'), 'newer', { onExists: async () => 'cancel' })).rejects.toMatchObject({ code: 'ECONFLICT' });
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('new');
  });

  it('sees a file without write bits as read-only (not access(2): tests run as root) and needs an explicit policy to replace it', async () => {
    seed();
    fs.chmodSync(at('a.txt'), 0o444);
    const e = await writeFileAtomic(at('a.txt'), 'new').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ECONFLICT', conflict: { kind: 'read-only' } });
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('old');
    const kinds: string[] = [];
    await writeFileAtomic(at('a.txt'), 'new', {
      onExists: async (c) => {
        kinds.push(c.kind);
        return 'overwrite';
      },
    });
    expect(kinds).toEqual(['read-only']);
    expect(fs.readFileSync(at('a.txt'), 'utf8')).toBe('new');
    expect(fs.statSync(at('a.txt')).mode & 0o777).toBe(0o444);
  });

  it("never clobbers a file that appears between the decision and the install under 'fail'", async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    const target = at('race.txt');
    const racing = {
      ...faulty,
      link: async (from: string, to: string): Promise<void> => {
        if (!fs.existsSync(to)) fs.writeFileSync(to, 'theirs');
        return faulty.link(from, to);
      },
    };
    await expect(writeFileAtomicWith(racing, target, 'ours', { onExists: 'fail' })).rejects.toMatchObject({ code: 'ECONFLICT' });
    expect(fs.readFileSync(target, 'utf8')).toBe('theirs');
    noTemps();
  });
});
