import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { TxfsError } from '../../../src/errors.js';
import { createFaultyFileSystem, type Fault, type FsCallKind } from '../../../src/testing/faultyFileSystem.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { validators } from '../../../src/integrity/validators.js';
import { STREAM_BATCH } from '../../../src/ops/stageFile.js';
import { writeFileAtomic, writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import type { Data, WriteOptions } from '../../../src/types.js';

const cases = caseDirs();
const OLD = Buffer.from('{"version":1,"payload":"the old content"}');

/** The directory listing and the target's bytes, to compare before and after. */
const snapshot = (target: string): { entries: string[]; bytes: Buffer | undefined } => ({
  entries: fs.readdirSync(path.dirname(target)).sort(),
  bytes: fs.existsSync(target) && fs.statSync(target).isFile() ? fs.readFileSync(target) : undefined,
});

async function* slowChunks(count: number, size: number, onChunk?: (i: number) => void): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    onChunk?.(i);
    await new Promise((r) => setImmediate(r));
    yield Buffer.alloc(size, 65 + (i % 26));
  }
}

/** Runs a write expected to fail with `code` and proves that nothing was lost: same bytes, same entries, no temp. */
const expectNothingLost = async (target: string, code: string, write: () => Promise<unknown>): Promise<TxfsError> => {
  const before = snapshot(target);
  const e = await write().then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TxfsError);
  expect((e as TxfsError).code).toBe(code);
  expect(snapshot(target)).toEqual(before);
  return e as TxfsError;
};

const faultyWith = (...faults: Fault[]): FileSystem => createFaultyFileSystem(nodeFileSystem, faults);

describe('writeFileAtomic leaves the target byte-identical and no temp file on', () => {
  let target = '';
  beforeEach(() => {
    target = path.join(cases.dir, 'data.json');
    fs.writeFileSync(target, OLD);
  });

  it('a validation failure, naming the validator and the line', async () => {
    const e = await expectNothingLost(target, 'EVALIDATION', () => writeFileAtomic(target, '{\n  "version": 2,\n  "x": }', { validate: validators.json() }));
    expect(e).toMatchObject({ validator: 'json', line: 3, column: 8 });
  });

  it('a validation failure of streamed content', async () => {
    await expectNothingLost(target, 'EVALIDATION', () => writeFileAtomic(target, slowChunks(3, 100), { validate: [validators.json()] }));
  });

  it('ENOSPC on the 3rd write, with a message saying to free space', async () => {
    // A stream is written a batch at a time: six chunks of 0.6 batches make four writes.
    const e = await expectNothingLost(target, 'ENOSPC', () => writeFileAtomicWith(faultyWith({ kind: 'write', nth: 3, errno: 'ENOSPC' }), target, slowChunks(6, Math.ceil(STREAM_BATCH * 0.6))));
    expect(e.message).toMatch(/free some space/);
  });

  it('a write that makes no progress (short write of zero bytes)', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem);
    faulty.limitWrites(0);
    await expectNothingLost(target, 'ENOSPC', () => writeFileAtomicWith(faulty, target, 'new content'));
  });

  it('EIO on fdatasync, which is not retried', async () => {
    const faulty = createFaultyFileSystem(nodeFileSystem, [{ kind: 'datasync', nth: 1, errno: 'EIO' }]);
    await expectNothingLost(target, 'EIO', () => writeFileAtomicWith(faulty, target, 'new'));
    expect(faulty.trace.filter((c) => c.kind === 'datasync' || c.kind === 'sync')).toHaveLength(1);
    expect(faulty.trace.some((c) => c.kind === 'rename')).toBe(false);
  });

  it('EACCES on open, with a message about permissions', async () => {
    const e = await expectNothingLost(target, 'EACCES', () => writeFileAtomicWith(faultyWith({ kind: 'open', nth: 1, errno: 'EACCES' }), target, 'new'));
    expect(e.message).toMatch(/permission/);
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('EROFS on open, with a message about the read-only filesystem', async () => {
    const e = await expectNothingLost(target, 'EROFS', () => writeFileAtomicWith(faultyWith({ kind: 'open', nth: 1, errno: 'EROFS' }), target, 'new'));
    expect(e.message).toMatch(/read-only/);
  });

  it('the rename failing, also removing the backup made for it', async () => {
    await expectNothingLost(target, 'EIO', () => writeFileAtomicWith(faultyWith({ kind: 'rename', nth: 1, errno: 'EIO' }), target, 'new', { backup: true }));
  });

  it('the data stream throwing halfway', async () => {
    const broken = async function* (): AsyncGenerator<Uint8Array> {
      yield* slowChunks(2, 70_000);
      throw new Error('upstream connection reset');
    };
    const e = await expectNothingLost(target, 'ESOURCE', () => writeFileAtomic(target, broken()));
    expect(e.message).toContain('upstream connection reset');
  });

  it('the AbortSignal firing halfway', async () => {
    const ac = new AbortController();
    await expectNothingLost(target, 'EABORTED', () => writeFileAtomic(target, slowChunks(10, 10_000, (i) => i === 4 && ac.abort()), { signal: ac.signal }));
  });

  it('the AbortSignal firing after staging, before the rename', async () => {
    const ac = new AbortController();
    const base = createFaultyFileSystem(nodeFileSystem);
    const abortOnClose: FileSystem = {
      ...base,
      open: async (p, flags, mode) => {
        const fh = await base.open(p, flags, mode);
        return { ...fh, close: async () => (await fh.close(), ac.abort()) };
      },
    };
    await expectNothingLost(target, 'EABORTED', () => writeFileAtomicWith(abortOnClose, target, 'new', { signal: ac.signal }));
  });

  it('the target being a directory', async () => {
    const d = path.join(cases.dir, 'adir');
    fs.mkdirSync(d);
    await expectNothingLost(d, 'EISDIR', () => writeFileAtomic(d, 'x'));
  });

  it('an empty path or one with a NUL byte', async () => {
    await expectNothingLost(target, 'EINVAL', () => writeFileAtomic('', 'x'));
    await expectNothingLost(target, 'EINVAL', () => writeFileAtomic(`${target}\0.evil`, 'x'));
    await expect(writeFileAtomic(42 as unknown as string, 'x')).rejects.toBeInstanceOf(TypeError);
  });

  it('a missing parent directory (ENOENT naming it; mkdirp is opt-in)', async () => {
    const missing = path.join(cases.dir, 'no', 'such', 'file.json');
    const e = await expectNothingLost(target, 'ENOENT', () => writeFileAtomic(missing, 'x'));
    expect(e.path).toBe(path.join(cases.dir, 'no', 'such'));
    expect(fs.existsSync(path.join(cases.dir, 'no'))).toBe(false);
  });

  it('a parent that is a file', async () => {
    await expectNothingLost(target, 'ENOTDIR', () => writeFileAtomic(path.join(target, 'child'), 'x'));
  });

  it('a readback that does not match (EINTEGRITY)', async () => {
    const base = createFaultyFileSystem(nodeFileSystem);
    // The temp read back (opened read-only) yields other bytes than were written.
    const lie = Buffer.from('something else');
    const lying: FileSystem = {
      ...base,
      open: async (p, flags, mode) => {
        const fh = await base.open(p, flags, mode);
        if (flags !== 'r') return fh;
        let given = false;
        return { ...fh, read: async (buffer, offset) => (given ? 0 : ((given = true), lie.copy(buffer, offset))) };
      },
    };
    const e = await writeFileAtomicWith(lying, target, 'new', { verify: 'readback' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'EINTEGRITY', path: target });
  });
});

describe('writeFileAtomic under a random failing call', () => {
  const kindsToFail: FsCallKind[] = ['lstat', 'open', 'write', 'datasync', 'close', 'link', 'rename', 'syncDir', 'read', 'stat', 'readdir', 'unlink', 'chmod'];

  it('always leaves the target holding the old content when it rejects, the new one when it resolves, and no temp file', async () => {
    const options = fc.record({
      backup: fc.boolean(),
      verify: fc.constantFrom<NonNullable<WriteOptions['verify']>>('none', 'checksum', 'size', 'readback'),
      checksumFile: fc.boolean(),
      mode: fc.constantFrom(undefined, 0o600, 0o777),
    });
    const content = fc.array(fc.uint8Array({ minLength: 0, maxLength: 20_000 }), { minLength: 0, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(content, fc.boolean(), fc.boolean(), options, fc.nat(), fc.constantFrom('EIO', 'ENOSPC', 'EACCES', 'EROFS'), async (chunks, exists, streamed, opts, pick, errno) => {
        const d = fs.mkdtempSync(path.join(cases.dir, 'p-'));
        const target = path.join(d, 't.bin');
        if (exists) fs.writeFileSync(target, OLD);
        const next = Buffer.concat(chunks);
        const data = (): Data => (streamed ? (async function* () { yield* chunks; })() : next);
        const writeOpts: WriteOptions = { backup: opts.backup, verify: opts.verify, checksumFile: opts.checksumFile, ...(opts.mode === undefined ? {} : { mode: opts.mode }) };
        // A clean dry run elsewhere tells which calls this write makes; one of them is made to fail.
        const dry = createFaultyFileSystem(nodeFileSystem);
        const d2 = fs.mkdtempSync(path.join(cases.dir, 'dry-'));
        if (exists) fs.writeFileSync(path.join(d2, 't.bin'), OLD);
        await writeFileAtomicWith(dry, path.join(d2, 't.bin'), data(), writeOpts);
        const candidates = dry.trace.filter((c) => kindsToFail.includes(c.kind));
        const victim = candidates[pick % candidates.length];
        if (victim === undefined) return;
        const nth = dry.trace.filter((c) => c.kind === victim.kind && c.index <= victim.index).length;
        const faulty = createFaultyFileSystem(nodeFileSystem, [{ kind: victim.kind, nth, errno }]);
        const outcome = await writeFileAtomicWith(faulty, target, data(), writeOpts).then(
          () => 'ok' as const,
          (e: unknown) => e,
        );
        const renamed = faulty.trace.some((c) => c.kind === 'rename' && c.to === target && !faulty.fired.includes(c));
        const now = fs.existsSync(target) ? fs.readFileSync(target) : undefined;
        if (outcome !== 'ok') {
          expect(outcome).toBeInstanceOf(TxfsError);
          expect((outcome as TxfsError).code).toBe(errno);
        }
        // A rejection means the target is as it was: nothing that fails after the rename fails the call.
        if (outcome !== 'ok') expect(renamed).toBe(false);
        if (outcome === 'ok') expect(now).toEqual(next);
        else expect(now).toEqual(exists ? OLD : undefined);
        expect(fs.readdirSync(d).filter((f) => f.endsWith('.txfs-tmp'))).toEqual([]);
        if (outcome !== 'ok' && !renamed) expect(fs.readdirSync(d).filter((f) => f.endsWith('.bak'))).toEqual([]);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: 150 },
    );
  });
});
