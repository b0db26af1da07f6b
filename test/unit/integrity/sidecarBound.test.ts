/**
 * A sidecar is read up to a bound (`MAX_SIDECAR_BYTES`: it is one line, or a short sha256sum listing): a larger one is
 * EINTEGRITY after reading no more than the bound — a sidecar linked to /dev/zero no longer reads without end.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { MAX_SIDECAR_BYTES, checkSidecar, checksumLine } from '../../../src/integrity/sidecar.js';
import { verifyChecksumFile } from '../../../src/ops/onDisk.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { rejection } from '../transaction/storeFixture.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-sidecar-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (n: string): string => path.join(dir, n);

/** The node adapter, counting the bytes its streams hand out. */
const counting = (): { fs: FileSystem; read: () => number } => {
  let read = 0;
  return {
    fs: {
      ...nodeFileSystem,
      readStream: (p, o) => ({
        async *[Symbol.asyncIterator]() {
          for await (const chunk of nodeFileSystem.readStream(p, o)) {
            read += chunk.byteLength;
            yield chunk;
          }
        },
      }),
    },
    read: () => read,
  };
};

describe('a sidecar larger than the bound', () => {
  it('linked to /dev/zero is EINTEGRITY after reading at most one byte past the bound', async () => {
    fs.writeFileSync(at('z.txt'), 'content');
    fs.symlinkSync('/dev/zero', at('z.txt.sha256'));
    const c = counting();
    const e = await rejection(checkSidecar(c.fs, at('z.txt')));
    expect(e.code).toBe('EINTEGRITY');
    expect(e.path).toBe(at('z.txt.sha256'));
    expect(e.message).toContain(`larger than ${MAX_SIDECAR_BYTES} bytes`);
    expect(c.read()).toBeLessThanOrEqual(MAX_SIDECAR_BYTES + 1);
    expect((await rejection(verifyChecksumFile(at('z.txt')))).code).toBe('EINTEGRITY');
  });

  it('made of valid lines but one byte over the bound is EINTEGRITY; at the bound it is read and checked', async () => {
    const content = 'the file';
    fs.writeFileSync(at('big.txt'), content);
    const line = checksumLine(at('big.txt'), sha256Of(Buffer.from(content)));
    const filler = (bytes: number): string => {
      const other = `${'0'.repeat(64)}  other.txt\n`;
      let text = line;
      while (bytes - text.length - other.length >= 70) text += other;
      // A last line whose name pads the text to exactly `bytes`.
      return text + `${'0'.repeat(64)}  ${'o'.repeat(bytes - text.length - 67)}\n`;
    };
    fs.writeFileSync(at('big.txt.sha256'), filler(MAX_SIDECAR_BYTES));
    expect(fs.statSync(at('big.txt.sha256')).size).toBe(MAX_SIDECAR_BYTES);
    expect(await verifyChecksumFile(at('big.txt'))).toBe(true);
    fs.writeFileSync(at('big.txt.sha256'), filler(MAX_SIDECAR_BYTES + 1));
    expect(fs.statSync(at('big.txt.sha256')).size).toBe(MAX_SIDECAR_BYTES + 1);
    expect((await rejection(verifyChecksumFile(at('big.txt')))).code).toBe('EINTEGRITY');
  });

  it('a missing sidecar is still ENOENT naming it', async () => {
    fs.writeFileSync(at('lonely.txt'), 'x');
    const e = await rejection(verifyChecksumFile(at('lonely.txt')));
    expect(e.code).toBe('ENOENT');
    expect(e.path).toBe(at('lonely.txt.sha256'));
  });
});
