/**
 * An error while staging names the user's file (in `path` and in the message), not only the internal temp file that
 * stands for it: a real ENOSPC on a full 64 KiB tmpfs, through `writeFileAtomic` and through a store.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { writeFileAtomic } from '../../../src/ops/atomicWrite.js';
import { isTempName } from '../../../src/ops/tempName.js';
import { openStore } from '../../../src/store/openStore.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-enospc-'));
const small = path.join(base, 'small');
fs.mkdirSync(small);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]).status === 0;
afterAll(() => {
  if (mounted) spawnSync('umount', ['-l', small]);
  fs.rmSync(base, { recursive: true, force: true });
});

const failure = async (p: Promise<unknown>): Promise<TxfsError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TxfsError);
  return e as TxfsError;
};

const tooBig = Buffer.alloc(256 * 1024, 7);

describe('a staging error names the user file', () => {
  it.skipIf(!mounted)('writeFileAtomic on a full tmpfs: ENOSPC with the target in path and message, the temp mentioned, none left (needs mount)', async () => {
    const target = path.join(small, 'report.bin');
    const e = await failure(writeFileAtomic(target, tooBig));
    expect(e.code).toBe('ENOSPC');
    expect(e.path).toBe(target);
    expect(e.message).toContain(target);
    expect(e.message).toMatch(/\.txfs-tmp/);
    expect(fs.readdirSync(small).filter(isTempName)).toEqual([]);
  });

  it.skipIf(!mounted)('a store whose root is on a full tmpfs: ENOSPC naming the file as given, nothing left (needs mount)', async () => {
    const root = path.join(small, 'store');
    fs.mkdirSync(root);
    const store = await openStore({ root, stateDir: path.join(base, 'state') });
    try {
      const e = await failure(store.writeFile('data/big.bin', tooBig, { mkdirp: true }));
      expect(e.code).toBe('ENOSPC');
      expect(e.path).toBe('data/big.bin');
      expect(e.message).toContain('data/big.bin');
      expect(fs.readdirSync(root, { recursive: true }).map(String).filter((n) => isTempName(path.basename(n)))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
