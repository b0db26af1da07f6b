import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { hashFile } from '../../../src/integrity/sha256.js';
import { writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { ensureDir } from '../../../src/ops/ensureDir.js';
import { toChunks } from '../../../src/ops/toChunks.js';
import { writeAll } from '../../../src/ops/writeAll.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const collect = async (it: AsyncIterable<Uint8Array>): Promise<Buffer> => {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
};

describe('toChunks', () => {
  it('yields the same bytes as the source, gathering small chunks to at most 64 KiB plus one chunk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 70_000 }), { maxLength: 12 }), async (parts) => {
        const sizes: number[] = [];
        const out: Uint8Array[] = [];
        for await (const c of toChunks((async function* () { yield* parts; })())) {
          sizes.push(c.byteLength);
          out.push(Buffer.from(c));
        }
        expect(Buffer.concat(out)).toEqual(Buffer.concat(parts));
        expect(sizes.every((s) => s > 0 && s < 64 * 1024 + 70_000)).toBe(true);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: 60 },
    );
  });

  it('copies gathered chunks, so a source reusing its buffer does not corrupt them', async () => {
    const buf = Buffer.alloc(3);
    const reuse = async function* (): AsyncGenerator<Uint8Array> {
      for (const s of ['abc', 'def', 'ghi']) {
        buf.write(s);
        yield buf;
      }
    };
    expect((await collect(toChunks(reuse()))).toString()).toBe('abcdefghi');
  });

  it('decodes string chunks of a stream with the encoding, and rejects non-byte chunks', async () => {
    expect((await collect(toChunks(Readable.from(['aGVs', 'bG8=']), 'base64'))).toString()).toBe('hello');
    await expect(collect(toChunks((async function* () { yield 42 as unknown as Uint8Array; })()))).rejects.toBeInstanceOf(TypeError);
    await expect(collect(toChunks(42 as unknown as string))).rejects.toBeInstanceOf(TypeError);
  });
});

describe('writeAll and ensureDir', () => {
  it('writeAll continues short writes of any size until everything is written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 600 }), async (data, limit) => {
        const f = createFaultyFileSystem(nodeFileSystem);
        f.limitWrites(limit);
        const p = path.join(dir, 'w.bin');
        const fh = await f.open(p, 'w');
        await writeAll(fh, data, p);
        await fh.close();
        expect(new Uint8Array(fs.readFileSync(p))).toEqual(data);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: 40 },
    );
  });

  it('ensureDir creates only what is missing and reports a file in the way', async () => {
    const f = createFaultyFileSystem(nodeFileSystem);
    await ensureDir(f, path.join(dir, 'e1/e2'), false);
    expect(f.trace.filter((c) => c.kind === 'mkdir').map((c) => c.path)).toEqual([path.join(dir, 'e1'), path.join(dir, 'e1/e2')]);
    await ensureDir(f, path.join(dir, 'e1/e2'), true);
    fs.writeFileSync(path.join(dir, 'plain'), 'x');
    await expect(ensureDir(nodeFileSystem, path.join(dir, 'plain/sub'), true)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('streaming in constant memory', () => {
  it('writes 128 MiB from a stream without holding it in memory', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const total = 128;
    let peak = 0;
    const source = async function* (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < total; i++) {
        peak = Math.max(peak, process.memoryUsage().rss);
        yield chunk;
      }
    };
    const base = process.memoryUsage().rss;
    const target = path.join(dir, 'big.bin');
    const r = await writeFileAtomicWith(nodeFileSystem, target, source(), { fsync: false });
    expect(r.size).toBe(total * chunk.length);
    expect(fs.statSync(target).size).toBe(r.size);
    expect(await hashFile(nodeFileSystem, target)).toBe(r.sha256);
    expect(peak - base).toBeLessThan(64 * 1024 * 1024);
    fs.unlinkSync(target);
  });
});
