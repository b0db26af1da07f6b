/**
 * txfs's guarantees under both compat entries, async and sync: a full disk (a real 64 KiB tmpfs) fails the write with
 * ENOSPC and leaves the target whole — where write-file-atomic's single fs.write would rename a truncated file into
 * place — and every short write is continued (writes cut to 1000 bytes by the fault injector and its synchronous twin,
 * since no disk gives short writes on demand); no temp is left either way.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicallyOn } from '../../src/compat/atomicallyOn.js';
import { writeFileAtomicOn, type Doors } from '../../src/compat/writeFileAtomicOn.js';
import { nodeFileSystem, nodeSyncFileSystem } from '../../src/fs/node.js';
import { createFaultyFileSystem } from '../../src/testing/faultyFileSystem.js';
import { caseDirs } from '../unit/ops/caseDirs.js';
import { faultySync } from './faultySync.js';
import { isRoot, tempsIn } from './support.js';

const cases = caseDirs();
const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted) spawnSync('umount', ['-l', m]);
});

type Form = (doors: Doors) => (file: string, data: Buffer) => Promise<void>;
const forms: ReadonlyArray<readonly [string, Form]> = [
  ['write-file-atomic', (d) => (f, b) => writeFileAtomicOn(d)(f, b)],
  ['write-file-atomic .sync', (d) => async (f, b) => writeFileAtomicOn(d).sync(f, b)],
  ['atomically writeFile', (d) => (f, b) => atomicallyOn(d).writeFile(f, b)],
  ['atomically writeFileSync', (d) => async (f, b) => atomicallyOn(d).writeFileSync(f, b)],
];
const realDisk: Doors = { fs: nodeFileSystem, syncFs: nodeSyncFileSystem };

/** A 64 KiB tmpfs at a new directory of this case, or why there is none. */
const smallDisk = (): string | { why: string } => {
  const dir = path.join(cases.dir, 'small');
  fs.mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return { why: r.stderr.trim() || String(r.error) };
  mounted.push(dir);
  return dir;
};

describe.each(forms)('%s', (_name, form) => {
  it.skipIf(!isRoot)('a full disk (a 64 KiB tmpfs): ENOSPC saying to free space, the old content whole, no temp (needs root to mount)', async ({ skip }) => {
    const dir = smallDisk();
    if (typeof dir !== 'string') return skip(`cannot mount a tmpfs here (${dir.why})`);
    const target = path.join(dir, 'a.json');
    fs.writeFileSync(target, '{"old":true}');
    await expect(form(realDisk)(target, Buffer.alloc(256 * 1024, 'n'))).rejects.toMatchObject({ code: 'ENOSPC', path: target });
    expect(fs.readFileSync(target, 'utf8')).toBe('{"old":true}');
    expect(tempsIn(dir)).toEqual([]);
    await form(realDisk)(target, Buffer.from('{"new":true}'));
    expect(fs.readFileSync(target, 'utf8')).toBe('{"new":true}');
  });

  it('short writes (at most 1000 bytes a call, injected) are continued: the whole content lands', async () => {
    const afs = createFaultyFileSystem(nodeFileSystem);
    const sfs = faultySync(nodeSyncFileSystem);
    afs.limitWrites(1000);
    sfs.limitWrites(1000);
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    await form({ fs: afs, syncFs: sfs })(cases.at('big.bin'), data);
    expect(fs.readFileSync(cases.at('big.bin')).equals(data)).toBe(true);
    const writes = [...afs.trace, ...sfs.trace].filter((c) => c.kind === 'write');
    expect(writes).toHaveLength(10);
    expect(tempsIn(cases.dir)).toEqual([]);
  });
});
