import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { STREAM_BATCH, stageFile } from '../../../src/ops/stageFile.js';
import type { Validator } from '../../../src/types.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const temp = (): string => path.join(dir, `.t.${++counter}.0.txfs-tmp`);
const entries = (): string[] => fs.readdirSync(dir);

async function* chunks(parts: readonly string[], failAfter?: number): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (const p of parts) {
    if (failAfter !== undefined && i++ === failAfter) throw new Error('source broke');
    await new Promise((r) => setImmediate(r));
    yield Buffer.from(p);
  }
}

const rejectsAll: Validator = {
  name: 'never',
  validate: () => {
    throw Object.assign(new Error('bad'), { line: 2, column: 5 });
  },
};

describe('stageFile', () => {
  it('writes a string, hashing it, with exactly the asked mode (umask does not apply)', async () => {
    const t = temp();
    const r = await stageFile(nodeFileSystem, t, 'héllo', { mode: 0o666 });
    expect(r).toEqual({ tempPath: t, size: Buffer.byteLength('héllo'), sha256: sha256Of('héllo') });
    expect(fs.readFileSync(t, 'utf8')).toBe('héllo');
    expect(fs.statSync(t).mode & 0o777).toBe(0o666);
    fs.unlinkSync(t);
  });

  it('honours the encoding of string data', async () => {
    const t = temp();
    const r = await stageFile(nodeFileSystem, t, 'aGk=', { mode: 0o600, encoding: 'base64' });
    expect(fs.readFileSync(t, 'utf8')).toBe('hi');
    expect(r.sha256).toBe(sha256Of('hi'));
    fs.unlinkSync(t);
  });

  it('streams a Readable and an async iterable, hash equal to the bytes on disk', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => `line ${i}\n`.repeat(100 + i));
    for (const data of [Readable.from(parts.map((p) => Buffer.from(p))), chunks(parts)]) {
      const t = temp();
      const r = await stageFile(nodeFileSystem, t, data, { mode: 0o644 });
      const disk = fs.readFileSync(t);
      expect(disk.toString()).toBe(parts.join(''));
      expect(r.size).toBe(disk.length);
      expect(r.sha256).toBe(sha256Of(disk));
      fs.unlinkSync(t);
    }
  });

  it('writes a stream a batch at a time, and copes with a source that reuses its chunk once it has yielded it', async () => {
    const chunk = Buffer.alloc(300 * 1024);
    const letters = 'abcdefghijklm';
    // One buffer, refilled with the next letter after each yield: what was yielded must be what lands.
    async function* reusing(): AsyncGenerator<Uint8Array> {
      for (const l of letters) {
        chunk.fill(l);
        yield chunk;
      }
    }
    const traced = createFaultyFileSystem(nodeFileSystem);
    const t = temp();
    const staged = await stageFile(traced, t, reusing(), { mode: 0o644 });
    const expected = Buffer.concat([...letters].map((l) => Buffer.alloc(chunk.length, l)));
    expect(fs.readFileSync(t).equals(expected)).toBe(true);
    expect(staged).toMatchObject({ size: expected.length, sha256: sha256Of(expected) });
    // 13 chunks of 300 KiB (3.8 MiB) in batches of STREAM_BATCH: 4 writes, not 13.
    expect(traced.trace.filter((c) => c.kind === 'write')).toHaveLength(Math.ceil(expected.length / STREAM_BATCH));
    fs.unlinkSync(t);
  });

  it('loops over short writes until every byte is written', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    faulty.limitWrites(7);
    const t = temp();
    const content = Buffer.alloc(1000, 'z');
    await stageFile(faulty, t, content, { mode: 0o644 });
    expect(fs.readFileSync(t)).toEqual(content);
    expect(faulty.trace.filter((c) => c.kind === 'write').length).toBe(Math.ceil(1000 / 7));
    fs.unlinkSync(t);
  });

  it('datasyncs once, and not at all with sync: false', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    const a = temp();
    await stageFile(faulty, a, 'x', { mode: 0o644 });
    const b = temp();
    await stageFile(faulty, b, 'x', { mode: 0o644, sync: false });
    expect(faulty.trace.filter((c) => c.kind === 'datasync').map((c) => c.path)).toEqual([a]);
    fs.unlinkSync(a);
    fs.unlinkSync(b);
  });

  it('refuses to open over an existing file or a planted symlink (O_EXCL | O_NOFOLLOW), leaving it alone', async () => {
    const t = temp();
    fs.writeFileSync(t, 'theirs');
    await expect(stageFile(nodeFileSystem, t, 'ours', { mode: 0o644 })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readFileSync(t, 'utf8')).toBe('theirs');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'safe');
    const link = temp();
    fs.symlinkSync(victim, link);
    await expect(stageFile(nodeFileSystem, link, 'ours', { mode: 0o644 })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readFileSync(victim, 'utf8')).toBe('safe');
    fs.unlinkSync(t);
    fs.unlinkSync(link);
    fs.unlinkSync(victim);
  });

  const failures: Array<[string, () => Promise<unknown>, string]> = [
    ['ENOSPC on the 3rd write', () => {
      const f = createFaultyFileSystem(nodeFileSystem, [{ kind: 'write', nth: 3, errno: 'ENOSPC' }]);
      // A stream is written a batch at a time: six chunks of 0.6 batches make four writes.
      return stageFile(f, temp(), chunks(Array.from({ length: 6 }, () => 'x'.repeat(Math.ceil(STREAM_BATCH * 0.6)))), { mode: 0o644 });
    }, 'ENOSPC'],
    ['EIO on datasync', () => {
      const f = createFaultyFileSystem(nodeFileSystem, [{ kind: 'datasync', nth: 1, errno: 'EIO' }]);
      return stageFile(f, temp(), 'abc', { mode: 0o644 });
    }, 'EIO'],
    ['a validator rejecting in-memory data', () => stageFile(nodeFileSystem, temp(), 'abc', { mode: 0o644, validate: [rejectsAll] }), 'EVALIDATION'],
    ['a validator rejecting streamed data', () => stageFile(nodeFileSystem, temp(), chunks(['a', 'b']), { mode: 0o644, validate: [rejectsAll] }), 'EVALIDATION'],
    ['the stream throwing halfway', () => stageFile(nodeFileSystem, temp(), chunks(['x'.repeat(70_000), 'y'.repeat(70_000), 'z'], 2), { mode: 0o644 }), 'ESOURCE'],
    ['an already fired signal', () => stageFile(nodeFileSystem, temp(), 'abc', { mode: 0o644, signal: AbortSignal.abort() }), 'EABORTED'],
  ];
  for (const [name, run, code] of failures) {
    it(`rejects with ${code} and leaves no temp file on ${name}`, async () => {
      const before = entries();
      const e = await run().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TxfsError);
      expect((e as TxfsError).code).toBe(code);
      expect(entries()).toEqual(before);
    });
  }

  it('carries the validator name, line and column', async () => {
    const e = (await stageFile(nodeFileSystem, temp(), chunks(['{']), { mode: 0o644, validate: [rejectsAll] }).catch((x: unknown) => x)) as TxfsError;
    expect(e).toMatchObject({ code: 'EVALIDATION', validator: 'never', line: 2, column: 5 });
    expect(e.message).toContain('line 2, column 5');
  });

  it('aborts while the source is waiting for its next chunk, and removes the temp file', async () => {
    const ac = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('first');
      ac.abort(new Error('user pressed stop'));
      await new Promise(() => undefined);
    }
    const before = entries();
    await expect(stageFile(nodeFileSystem, temp(), slow(), { mode: 0o644, signal: ac.signal })).rejects.toMatchObject({ code: 'EABORTED' });
    expect(entries()).toEqual(before);
  });

  it('rejects data of the wrong type with a TypeError before creating anything', async () => {
    const before = entries();
    await expect(stageFile(nodeFileSystem, temp(), 42 as unknown as string, { mode: 0o644 })).rejects.toBeInstanceOf(TypeError);
    await expect(stageFile(nodeFileSystem, temp(), { length: 1 } as unknown as string, { mode: 0o644 })).rejects.toBeInstanceOf(TypeError);
    expect(entries()).toEqual(before);
  });

  it('does not unlink a file it did not create when the directory is missing', async () => {
    await expect(stageFile(nodeFileSystem, path.join(dir, 'missing', 'x.tmp'), 'a', { mode: 0o644 })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
