/**
 * The owner of a replaced file is kept (uid and gid, with the mode), by writeFileAtomic and by a store; where the
 * system refuses the chown (EPERM for a user who does not own the file, EINVAL/ENOSYS on exFAT, some NFS and Docker
 * mounts), the write goes on with the writer as owner, as write-file-atomic does. Real files, real users (needs root).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { writeFileAtomic } from '../../../src/ops/atomicWrite.js';
import { isTempName } from '../../../src/ops/tempName.js';
import { openStore } from '../../../src/store/openStore.js';

const cases = caseDirs();
const { at } = cases;
const isRoot = process.getuid?.() === 0;
const owner = (p: string): { uid: number; gid: number; mode: number } => {
  const st = fs.statSync(p);
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
};

describe.skipIf(!isRoot)('the owner of a replaced file (needs root, to give files to other users)', () => {
  it('writeFileAtomic keeps uid 42 and gid 43 with the mode', async () => {
    fs.writeFileSync(at('o.txt'), 'old');
    fs.chownSync(at('o.txt'), 42, 43);
    fs.chmodSync(at('o.txt'), 0o640);
    await writeFileAtomic(at('o.txt'), 'new', { backup: true });
    expect(owner(at('o.txt'))).toEqual({ uid: 42, gid: 43, mode: 0o640 });
    expect(fs.readFileSync(at('o.txt'), 'utf8')).toBe('new');
  });

  it('writeFileAtomic keeps a setgid bit of the mode although the owner changes after the temp is made', async () => {
    fs.writeFileSync(at('g.sh'), 'old');
    fs.chownSync(at('g.sh'), 42, 43);
    fs.chmodSync(at('g.sh'), 0o2750);
    await writeFileAtomic(at('g.sh'), 'new');
    expect(owner(at('g.sh'))).toEqual({ uid: 42, gid: 43, mode: 0o2750 });
  });

  it('writeFileAtomic gives a new file, and one landing beside the old (rename), the writer as owner', async () => {
    fs.writeFileSync(at('r.txt'), 'old');
    fs.chownSync(at('r.txt'), 42, 43);
    const r = await writeFileAtomic(at('r.txt'), 'new', { onExists: 'rename' });
    expect(owner(r.path)).toMatchObject({ uid: 0, gid: 0 });
    await writeFileAtomic(at('fresh.txt'), 'x');
    expect(owner(at('fresh.txt'))).toMatchObject({ uid: 0, gid: 0 });
  });

  it('a store keeps uid 42 and gid 43 of the files a transaction replaces (write and copy)', async () => {
    fs.writeFileSync(at('s.txt'), 'old');
    fs.writeFileSync(at('t.txt'), 'old t');
    fs.writeFileSync(at('src.txt'), 'copied');
    for (const f of ['s.txt', 't.txt']) fs.chownSync(at(f), 42, 43);
    fs.chmodSync(at('s.txt'), 0o600);
    const store = await openStore({ root: cases.dir });
    try {
      await store.writeFile('s.txt', 'new');
      await store.transaction((tx) => {
        tx.copy('src.txt', 't.txt');
      });
    } finally {
      await store.close();
    }
    expect(owner(at('s.txt'))).toEqual({ uid: 42, gid: 43, mode: 0o600 });
    expect(owner(at('t.txt'))).toMatchObject({ uid: 42, gid: 43 });
    expect(fs.readFileSync(at('t.txt'), 'utf8')).toBe('copied');
  });

  it('a chown the system refuses (EPERM: a user replacing a file of another) is ignored: written, owned by the writer', () => {
    const dir = cases.dir;
    fs.chmodSync(path.dirname(dir), 0o755);
    fs.chmodSync(dir, 0o777);
    const target = at('shared.txt');
    fs.writeFileSync(target, 'old');
    fs.chownSync(target, 42, 43);
    fs.chmodSync(target, 0o666);
    const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/index.ts');
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(entry)};
      try { const r = await writeFileAtomic(${JSON.stringify(target)}, 'by nobody'); console.log(JSON.stringify({ ok: true, warnings: r.warnings ?? [] })); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const child = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: path.dirname(entry),
    });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}')).toEqual({ ok: true, warnings: [] });
    expect(fs.readFileSync(target, 'utf8')).toBe('by nobody');
    expect(owner(target)).toMatchObject({ uid: 65534, gid: 65534, mode: 0o666 });
    expect(fs.readdirSync(dir).filter(isTempName)).toEqual([]);
  });
});
