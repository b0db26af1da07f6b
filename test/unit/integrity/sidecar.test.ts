import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { checkSidecar, checksumLine, parseChecksumText } from '../../../src/integrity/sidecar.js';
import { writeChecksumFile } from '../../../src/ops/writeChecksumFile.js';
import { sha256File, verifyChecksumFile as verifyPublic, writeFileAtomic } from '../../../src/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (n: string): string => path.join(dir, n);
const sha256sumCheck = (file: string) => spawnSync('sha256sum', ['-c', `${path.basename(file)}.sha256`], { cwd: path.dirname(file), encoding: 'utf8' });

describe('sidecar checksum files', () => {
  it('are accepted by the real `sha256sum -c`, and fail it once the file changes', async () => {
    for (const name of ['report.csv', 'with space.txt', 'back\\slash.txt', 'new\nline.txt']) {
      const r = await writeFileAtomic(at(name), `content of ${name}\n`, { checksumFile: true });
      expect(r.sha256).toBe(execFileSync('sha256sum', ['-b', at(name)]).toString().replace(/^\\/, '').slice(0, 64));
      const ok = sha256sumCheck(at(name));
      expect(ok.status, ok.stderr + ok.stdout).toBe(0);
      expect(await verifyPublic(at(name))).toBe(true);
      fs.appendFileSync(at(name), 'tampered');
      expect(sha256sumCheck(at(name)).status).not.toBe(0);
      expect(await verifyPublic(at(name))).toBe(false);
    }
  });

  it('reads what sha256sum writes, binary marker and escapes included', async () => {
    fs.writeFileSync(at('b.bin'), 'bytes');
    fs.writeFileSync(at('b.bin.sha256'), execFileSync('sha256sum', ['-b', 'b.bin'], { cwd: dir }));
    expect(await checkSidecar(nodeFileSystem, at('b.bin'))).toBe(true);
    expect(parseChecksumText(checksumLine('/x/a\nb', sha256Of('q')), 's')).toEqual(new Map([['a\nb', sha256Of('q')]]));
  });

  it('writeChecksumFile replaces an old sidecar atomically', async () => {
    fs.writeFileSync(at('w.txt'), 'w');
    fs.writeFileSync(at('w.txt.sha256'), 'stale');
    await writeChecksumFile(nodeFileSystem, at('w.txt'), sha256Of('w'));
    expect(fs.readFileSync(at('w.txt.sha256'), 'utf8')).toBe(`${sha256Of('w')}  w.txt\n`);
    expect(fs.readdirSync(dir).filter((f) => f.includes('txfs-tmp'))).toEqual([]);
  });

  it('rejects ENOENT without a sidecar, EINTEGRITY for a malformed or foreign one', async () => {
    fs.writeFileSync(at('n.txt'), 'n');
    await expect(verifyPublic(at('n.txt'))).rejects.toMatchObject({ code: 'ENOENT', path: at('n.txt.sha256') });
    fs.writeFileSync(at('n.txt.sha256'), 'not a checksum\n');
    await expect(verifyPublic(at('n.txt'))).rejects.toMatchObject({ code: 'EINTEGRITY' });
    fs.writeFileSync(at('n.txt.sha256'), `${sha256Of('n')}  other.txt\n${sha256Of('m')}  more.txt\n`);
    await expect(verifyPublic(at('n.txt'))).rejects.toMatchObject({ code: 'EINTEGRITY' });
  });

  it('the public sha256File hashes a file on disk', async () => {
    fs.writeFileSync(at('h.txt'), 'abc');
    expect(await sha256File(at('h.txt'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    await expect(sha256File('')).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
