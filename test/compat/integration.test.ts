/**
 * write-file-atomic's test/integration.js and atomically's test/integration.cjs (the same suite, whose owner checks
 * atomically turned off), ported to both compat entries, async and sync: real files, and — as root — real owners. The
 * original mocks `fs.chown` and `fs.stat` to see which owner would be set; here the files are given to uid 42 / gid 43
 * for real and their owner read back. (txfs: no chown is made where the new file gets the writer's owner anyway.)
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeFile, writeFileSync } from '../../src/compat/atomically.js';
import writeFileAtomic from '../../src/compat/writeFileAtomic.js';
import { caseDirs } from '../unit/ops/caseDirs.js';
import { isRoot, tempsIn } from './support.js';

const cases = caseDirs();
let n = 0;
const tmpFile = (): string => cases.at(`test-${++n}`);
const read = (p: string): string => fs.readFileSync(p).toString();
const ownerOf = (p: string): { uid: number; gid: number } => ({ uid: fs.statSync(p).uid, gid: fs.statSync(p).gid });
const me = (): { uid: number; gid: number } => ({ uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 });

type Write = (file: string, data: Parameters<typeof writeFileAtomic.sync>[1], options?: Parameters<typeof writeFileAtomic.sync>[2]) => Promise<void>;
const forms: ReadonlyArray<readonly [string, Write]> = [
  ['write-file-atomic (callback)', (f, d, o) => new Promise((resolve, reject) => void writeFileAtomic(f, d, o ?? {}, (err) => (err === undefined ? resolve() : reject(err))))],
  ['write-file-atomic .sync', async (f, d, o) => writeFileAtomic.sync(f, d, o)],
  ['atomically writeFile', (f, d, o) => writeFile(f, d, o)],
  ['atomically writeFileSync', async (f, d, o) => writeFileSync(f, d, o)],
];

for (const [form, write] of forms) {
  describe(`${form}`, () => {
    it('writes a simple file', async () => {
      const file = tmpFile();
      await write(file, '42');
      expect(read(file)).toBe('42');
      expect(tempsIn(cases.dir)).toEqual([]);
    });

    it('writes a simple file with an encoding (utf16le)', async () => {
      const file = tmpFile();
      await write(file, 'foo', 'utf16le');
      expect(read(file)).toBe('f\u0000o\u0000o\u0000');
    });

    it('writes buffers, TypedArrays (all of their bytes) and undefined (an empty file)', async () => {
      const [a, b, c, d] = [tmpFile(), tmpFile(), tmpFile(), tmpFile()];
      await write(a, Buffer.from('42'));
      await write(b, new Uint8Array([0x34, 0x32]));
      await write(c, new Uint16Array([0x3234]));
      await write(d, undefined);
      expect([read(a), read(b), read(c), read(d)]).toEqual(['42', '42', '42', '']);
    });

    it('writes to symlinks without clobbering them', async () => {
      const [file, link] = [tmpFile(), tmpFile()];
      fs.writeFileSync(file, '42');
      fs.symlinkSync(file, link);
      await write(link, '43');
      expect(read(file)).toBe('43');
      expect(read(link)).toBe('43');
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    });

    it('runs chmod on a given file (0o741), then keeps it when only chown is given', async () => {
      const file = tmpFile();
      await write(file, '42', { mode: 0o741 });
      expect(fs.statSync(file).mode).toBe(0o100741);
      await write(file, '23', { chown: me() });
      expect(fs.statSync(file).mode).toBe(0o100741);
    });

    it('does not change the mode by default', async () => {
      const file = tmpFile();
      await write(file, '42', { mode: 0o741 });
      await write(file, '43');
      expect(fs.statSync(file).mode).toBe(0o100741);
    });

    describe.skipIf(!isRoot)('owners (needs root)', () => {
      it('runs chown on a given file (uid 42, gid 43)', async () => {
        const file = tmpFile();
        await write(file, '42', { chown: { uid: 42, gid: 43 } });
        expect(ownerOf(file)).toEqual({ uid: 42, gid: 43 });
        expect(read(file)).toBe('42');
      });

      it('writes a simple file with no chown (chown: false): the writer owns it, whoever owned the replaced one', async () => {
        const file = tmpFile();
        fs.writeFileSync(file, 'old');
        fs.chownSync(file, 42, 43);
        await write(file, '42', { chown: false });
        expect(ownerOf(file)).toEqual(me());
      });

      it('runs chmod and chown together', async () => {
        const file = tmpFile();
        await write(file, '42', { mode: 0o741, chown: { uid: 42, gid: 43 } });
        expect(fs.statSync(file).mode).toBe(0o100741);
        expect(ownerOf(file)).toEqual({ uid: 42, gid: 43 });
      });

      it('does not change the owner by default, nor when only the mode is given', async () => {
        const file = tmpFile();
        await write(file, '42', { chown: { uid: 42, gid: 43 } });
        await write(file, '43', { mode: 0o741 });
        expect(ownerOf(file)).toEqual({ uid: 42, gid: 43 });
        await write(file, '44');
        expect(ownerOf(file)).toEqual({ uid: 42, gid: 43 });
        expect(fs.statSync(file).mode).toBe(0o100741);
        expect(read(file)).toBe('44');
      });
    });
  });
}
