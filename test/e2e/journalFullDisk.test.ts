/**
 * A full disk under the journal, for real: the state directory (journal and backups) on a small tmpfs, the root on
 * the ordinary disk, files written through the store until the disk is full. Whatever the size (the journal's commit,
 * a short write inside it, or a backup is what meets the full disk), the call that meets it is ENOSPC, the files are
 * as before it, no rejection goes unhandled, `close()` is clean; with space again the store opens and writes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import type { Durability } from '../../src/types.js';

const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-fulldisk-')));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const run = (cmd: string, args: readonly string[]): boolean => spawnSync(cmd, args).status === 0;

/** Whether a tmpfs can be mounted here (root, mount allowed). */
const canMount = ((): boolean => {
  const d = fs.mkdtempSync(path.join(base, 'probe-'));
  const ok = run('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', d]);
  if (ok) run('umount', [d]);
  return ok;
})();

/** The files of `root` and their content (every name, temp files included). */
const filesOf = (root: string): Record<string, string> =>
  Object.fromEntries(fs.readdirSync(root).sort().map((n) => [n, fs.readFileSync(path.join(root, n), 'utf8')]));

/** Writes until the store reports a failure; what landed, and the failure. */
const fillUntilFull = async (root: string, stateDir: string, mode: 'new files' | 'overwrites', durability: Durability): Promise<{ expected: Record<string, string>; failure: unknown }> => {
  const store = await openStore({ root, stateDir, durability });
  const expected: Record<string, string> = {};
  let failure: unknown;
  for (let i = 0; i < 1000 && failure === undefined; i++) {
    const name = mode === 'new files' ? `f${i}.txt` : `f${i % 3}.txt`;
    const content = `${'x'.repeat(1000)} ${i}`;
    try {
      await store.writeFile(name, content);
      expected[name] = content;
    } catch (e) {
      failure = e;
      // The same call again, on the same full disk: it meets it too and says so the same way, or it finds room and
      // writes: LMDB may place the retried commit differently (pages freed by earlier commits become reusable once no
      // reader holds them), so either can happen. What cannot: another outcome, or a write that resolves and is not there.
      const again = await store.writeFile(name, content).then(
        () => 'written' as const,
        (e2: unknown) => e2,
      );
      if (again === 'written') expected[name] = content;
      else expect(again).toMatchObject({ code: 'ENOSPC', message: expect.stringMatching(/free some space/) as string });
    }
  }
  await expect(store.close()).resolves.toBeUndefined();
  return { expected, failure };
};

// Durability 'none' commits the journal on the event loop, one synchronous LMDB transaction per turn (`turnBatch.ts`):
// a commit that meets the full disk fails there.
const cases: ReadonlyArray<{ readonly size: string; readonly mode: 'new files' | 'overwrites'; readonly durability?: Durability }> = [
  { size: '48k', mode: 'new files' },
  { size: '56k', mode: 'new files' },
  { size: '64k', mode: 'new files' },
  { size: '96k', mode: 'new files' },
  { size: '48k', mode: 'overwrites' },
  { size: '64k', mode: 'overwrites' },
  { size: '72k', mode: 'overwrites' },
  { size: '128k', mode: 'overwrites' },
  { size: '56k', mode: 'new files', durability: 'none' },
  { size: '96k', mode: 'new files', durability: 'none' },
  { size: '64k', mode: 'overwrites', durability: 'none' },
  { size: '128k', mode: 'overwrites', durability: 'none' },
];

describe('a full disk under the journal', () => {
  for (const { size, mode, durability = 'full' } of cases) {
    it.skipIf(!canMount)(`${mode} on a ${size} state directory, durability '${durability}': ENOSPC from the call, files as before, close() clean (needs tmpfs)`, async () => {
      const root = fs.mkdtempSync(path.join(base, 'root-'));
      const mnt = fs.mkdtempSync(path.join(base, 'state-'));
      expect(run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt])).toBe(true);
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown): void => {
        unhandled.push(e);
      };
      process.on('unhandledRejection', onUnhandled);
      try {
        const stateDir = path.join(mnt, 'state');
        const { expected, failure } = await fillUntilFull(root, stateDir, mode, durability);
        expect(failure).toMatchObject({ code: 'ENOSPC', message: expect.stringMatching(/free some space/) as string });
        expect(filesOf(root)).toEqual(expected);
        // A rejection lmdb-js leaves unhandled surfaces after a turn or two; give it the time.
        await sleep(50);
        expect(unhandled).toEqual([]);

        // With space again, the store opens (recovery finishes what the full disk interrupted) and writes.
        expect(run('mount', ['-o', 'remount,size=8m', mnt])).toBe(true);
        const again = await openStore({ root, stateDir });
        try {
          expect(filesOf(root)).toEqual(expected);
          await again.writeFile('more.txt', 'more');
          expect(fs.readFileSync(path.join(root, 'more.txt'), 'utf8')).toBe('more');
        } finally {
          await again.close();
        }
      } finally {
        process.off('unhandledRejection', onUnhandled);
        run('umount', ['-l', mnt]);
      }
    });
  }
});
