/**
 * "In every error case the target is left as it was": verification reads back the fsynced temp before the rename, and
 * what runs after the rename (directory fsync, sidecar, pruning old backups) never fails the call — the write is done
 * by then; the result's `warnings` say what did not happen.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caseDirs } from './caseDirs.js';
import { TxfsError } from '../../../src/errors.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { writeFileAtomic, writeFileAtomicWith } from '../../../src/ops/atomicWrite.js';
import { isTempName } from '../../../src/ops/tempName.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';

const cases = caseDirs();
const { at } = cases;
const entries = (): string[] => fs.readdirSync(cases.dir).sort();
const temps = (): string[] => fs.readdirSync(cases.dir).filter(isTempName);

const chattr = (flag: string, file: string): boolean => spawnSync('chattr', [flag, file]).status === 0;
const chattrWorks = ((): boolean => {
  const probe = path.join(cases.dir, `.chattr-probe-${process.pid}`);
  fs.writeFileSync(probe, '');
  const ok = chattr('+i', probe);
  chattr('-i', probe);
  fs.rmSync(probe, { force: true });
  return ok;
})();
const flagged: string[] = [];
afterEach(() => {
  for (const f of flagged.splice(0)) chattr('-i', f);
});

/** A disk whose reads return other bytes than were written (a corrupting controller): only reading can tell. */
const corruptingReads = (): FileSystem => {
  const lie = Buffer.from('not what was written');
  return {
    ...nodeFileSystem,
    readStream: async function* () {
      yield lie;
    },
    readFile: async () => lie,
    // A file opened to be read yields the lie, then its end.
    open: async (p, flags, mode) => {
      const fh = await nodeFileSystem.open(p, flags, mode);
      if (flags !== 'r') return fh;
      let given = false;
      return { ...fh, read: async (buffer, offset) => (given ? 0 : ((given = true), lie.copy(buffer, offset))) };
    },
  };
};

describe("verify: 'readback' checks the temp before the rename", () => {
  it('fails with EINTEGRITY naming the file and leaves the target, its directory and its backups as they were', async () => {
    fs.writeFileSync(at('r.json'), 'OLD');
    const before = entries();
    const e = await writeFileAtomicWith(corruptingReads(), at('r.json'), 'NEW', { verify: 'readback', backup: { keep: 2 } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TxfsError);
    expect(e).toMatchObject({ code: 'EINTEGRITY', path: at('r.json') });
    expect((e as TxfsError).message).toContain(at('r.json'));
    expect(fs.readFileSync(at('r.json'), 'utf8')).toBe('OLD');
    expect(entries()).toEqual(before);
  });

  it("fails 'size' verification before the rename too", async () => {
    fs.writeFileSync(at('s.json'), 'OLD');
    const shrunk: FileSystem = { ...nodeFileSystem, stat: async (p) => ({ ...(await nodeFileSystem.stat(p)), size: 1 }) };
    const e = await writeFileAtomicWith(shrunk, at('s.json'), 'NEW!', { verify: 'size' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'EINTEGRITY', path: at('s.json') });
    expect(fs.readFileSync(at('s.json'), 'utf8')).toBe('OLD');
    expect(temps()).toEqual([]);
  });

  it('reads back the bytes written and resolves when they match', async () => {
    const r = await writeFileAtomic(at('ok.json'), '{"a":1}', { verify: 'readback' });
    expect(r).toMatchObject({ status: 'written', sha256: sha256Of('{"a":1}') });
    expect(r.warnings).toBeUndefined();
  });
});

describe('what runs after the rename does not fail the call', () => {
  it('a sidecar that cannot be written (a directory is in its place): written, with a warning naming the sidecar', async () => {
    fs.writeFileSync(at('c.csv'), 'OLD');
    fs.mkdirSync(at('c.csv.sha256'));
    const r = await writeFileAtomic(at('c.csv'), 'NEW', { checksumFile: true });
    expect(r.status).toBe('written');
    expect(fs.readFileSync(at('c.csv'), 'utf8')).toBe('NEW');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings?.[0]).toContain(at('c.csv.sha256'));
    expect(r.warnings?.[0]).toMatch(/EISDIR/);
    expect(temps()).toEqual([]);
  });

  it.skipIf(!chattrWorks)('an old backup that cannot be pruned (chattr +i): written, with a warning naming the backup (needs chattr)', async () => {
    fs.writeFileSync(at('p.txt'), 'v0');
    const first = await writeFileAtomic(at('p.txt'), 'v1', { backup: { keep: 1 } });
    const stuck = first.backup?.file ?? '';
    expect(chattr('+i', stuck)).toBe(true);
    flagged.push(stuck);
    const r = await writeFileAtomic(at('p.txt'), 'v2', { backup: { keep: 1 } });
    expect(fs.readFileSync(at('p.txt'), 'utf8')).toBe('v2');
    expect(r.backup).toBeDefined();
    expect(fs.readFileSync(r.backup?.file ?? '', 'utf8')).toBe('v1');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings?.[0]).toContain(stuck);
    expect(r.warnings?.[0]).toMatch(/EPERM/);
  });

  it('a directory fsync after the rename failing (EIO, injected): written, with a warning that durability is not known', async () => {
    fs.writeFileSync(at('d.txt'), 'OLD');
    const faulty = createFaultyFileSystem(nodeFileSystem, [{ kind: 'syncDir', nth: 1, errno: 'EIO' }]);
    const r = await writeFileAtomicWith(faulty, at('d.txt'), 'NEW');
    expect(faulty.fired).toHaveLength(1);
    expect(fs.readFileSync(at('d.txt'), 'utf8')).toBe('NEW');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings?.[0]).toMatch(/EIO/);
    expect(r.warnings?.[0]).toMatch(/power/);
  });
});
