/**
 * Dual steps run alike on both doors to the disk: the same step, run by `runSync` on the synchronous node adapter and
 * by `runAsync` on the asynchronous one, gives the same result or the same error, and a step's own try/catch sees the
 * file system's errors (thrown into the generator).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { io, mapDual, orElse, runAsync, runSync, type Dual } from '../../../src/fs/dual.js';
import { nodeFileSystem, nodeSyncFileSystem } from '../../../src/fs/node.js';
import { ensureDirSteps } from '../../../src/ops/ensureDir.js';
import { lookAtSteps } from '../../../src/ops/targetDecision.js';
import { caseDirs } from '../ops/caseDirs.js';

const cases = caseDirs();
const { at } = cases;

/** What a step ends in, on each door: its value, or its error's code and message. */
const outcomes = async <A>(step: () => Dual<A>): Promise<{ sync: unknown; async: unknown }> => {
  const settle = (f: () => unknown): unknown => {
    try {
      return { value: f() };
    } catch (e) {
      return { code: (e as { code?: unknown }).code, message: (e as Error).message };
    }
  };
  const sync = settle(() => runSync(nodeSyncFileSystem, step()));
  const async = await runAsync(nodeFileSystem, step()).then(
    (value) => ({ value }),
    (e: unknown) => ({ code: (e as { code?: unknown }).code, message: (e as Error).message }),
  );
  return { sync, async };
};

describe('dual steps', () => {
  const layout = (): void => {
    fs.writeFileSync(at('file'), 'x');
    fs.mkdirSync(at('dir'));
    fs.symlinkSync(at('file'), at('link'));
    fs.symlinkSync(at('none'), at('dangling'));
    fs.writeFileSync(at('notdir'), 'y');
  };

  test.prop([fc.constantFrom('file', 'dir', 'link', 'dangling', 'none', 'notdir/x', 'dir/deeper/x')], { numRuns: 20 })('lookAtSteps: both doors find the same target, or fail alike', async (name) => {
    if (!fs.existsSync(at('file'))) layout();
    const { sync, async } = await outcomes(() => lookAtSteps(at(name)));
    expect(sync).toEqual(async);
  });

  it('lookAtSteps answers what writeFileAtomic expects: the file a link names, nothing for a missing path, EISDIR, ENOENT for a dangling link', async () => {
    layout();
    expect(runSync(nodeSyncFileSystem, lookAtSteps(at('link'))).target).toBe(at('file'));
    expect(runSync(nodeSyncFileSystem, lookAtSteps(at('none'))).st).toBeUndefined();
    expect((await outcomes(() => lookAtSteps(at('dir')))).sync).toMatchObject({ code: 'EISDIR' });
    expect((await outcomes(() => lookAtSteps(at('dangling')))).sync).toMatchObject({ code: 'ENOENT', message: expect.stringContaining('symbolic link to a missing file') as string });
  });

  it('ensureDirSteps creates missing parents on either door; an ancestor that is a file is ENOTDIR on both', async () => {
    runSync(nodeSyncFileSystem, ensureDirSteps(at(path.join('s', 'a', 'b')), true));
    await runAsync(nodeFileSystem, ensureDirSteps(at(path.join('a', 'a', 'b')), true));
    expect([fs.statSync(at('s/a/b')).isDirectory(), fs.statSync(at('a/a/b')).isDirectory()]).toEqual([true, true]);
    fs.writeFileSync(at('f'), '');
    const { sync, async } = await outcomes(() => ensureDirSteps(at('f/x'), false));
    expect(sync).toEqual(async);
    expect(sync).toMatchObject({ code: 'ENOTDIR' });
  });

  it('an error is thrown into the step, where its try/catch handles it (orElse), and results can be mapped', async () => {
    function* sizeOr(p: string): Dual<number | string> {
      return yield* orElse(mapDual(io('stat', p), (s) => s.size), 'absent');
    }
    fs.writeFileSync(at('five'), '12345');
    expect(runSync(nodeSyncFileSystem, sizeOr(at('five')))).toBe(5);
    expect(await runAsync(nodeFileSystem, sizeOr(at('nothing')))).toBe('absent');
  });

  it('with lstatAtOnce, lstats run through lstatSync (its error thrown into the step), the other calls as promises; without it, every call is a promise', async () => {
    layout();
    const calls: string[] = [];
    const counted: FileSystem = {
      ...nodeFileSystem,
      lstat: (p) => (calls.push('lstat'), nodeFileSystem.lstat(p)),
      lstatSync: (p) => (calls.push('lstatSync'), nodeSyncFileSystem.lstat(p)),
      realpath: (p) => (calls.push('realpath'), nodeFileSystem.realpath(p)),
    };
    // A link: lstat of the link, realpath, lstat of the file it names.
    expect((await runAsync(counted, lookAtSteps(at('link')), { lstatAtOnce: true })).target).toBe(at('file'));
    expect(calls.splice(0)).toEqual(['lstatSync', 'realpath', 'lstatSync']);
    // ENOENT from lstatSync reaches the step's own catch: a missing path is "nothing there".
    expect((await runAsync(counted, lookAtSteps(at('none')), { lstatAtOnce: true })).st).toBeUndefined();
    expect(calls.splice(0)).toEqual(['lstatSync']);
    await expect(runAsync(counted, lookAtSteps(at('dir')), { lstatAtOnce: true })).rejects.toMatchObject({ code: 'EISDIR' });
    expect((await runAsync(counted, lookAtSteps(at('link')))).target).toBe(at('file'));
    expect(calls.splice(0)).toEqual(['lstatSync', 'lstat', 'realpath', 'lstat']);
  });
});
