import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { resolveConflict } from '../../../src/conflict/resolveConflict.js';
import type { Conflict, ConflictPolicy } from '../../../src/types.js';

const conflict: Conflict = { kind: 'exists', path: '/d/a.txt', current: { size: 3, mtime: new Date(0) } };

describe('resolveConflict', () => {
  it('returns fixed answers as they are', async () => {
    for (const p of ['overwrite', 'skip', 'rename', 'keep-both'] as const) expect(await resolveConflict(p, conflict)).toBe(p);
  });

  it("fails with ECONFLICT carrying the conflict for 'fail'", async () => {
    const e = await resolveConflict('fail', { kind: 'read-only', path: '/d/r' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TxfsError);
    expect(e).toMatchObject({ code: 'ECONFLICT', path: '/d/r', conflict: { kind: 'read-only', path: '/d/r' } });
    expect((e as Error).message).toContain('read-only');
  });

  it('asks a callback with the conflict and follows its answer', async () => {
    const seen: Conflict[] = [];
    const policy: ConflictPolicy = async (c) => {
      seen.push(c);
      return 'rename';
    };
    expect(await resolveConflict(policy, conflict)).toBe('rename');
    expect(seen).toEqual([conflict]);
  });

  it("turns a callback's 'cancel' into ECONFLICT", async () => {
    await expect(resolveConflict(async () => 'cancel', conflict)).rejects.toMatchObject({ code: 'ECONFLICT', conflict });
  });

  it('turns a throwing callback into ECONFLICT keeping the cause, and passes a TxfsError through', async () => {
    const boom = new Error('prompt closed');
    const e = await resolveConflict(() => Promise.reject(boom), conflict).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ECONFLICT', cause: boom });
    const own = new TxfsError('EABORTED', 'stop');
    await expect(resolveConflict(() => Promise.reject(own), conflict)).rejects.toBe(own);
  });

  it('rejects an unknown answer or policy with a TypeError', async () => {
    await expect(resolveConflict((async () => 'maybe') as unknown as ConflictPolicy, conflict)).rejects.toBeInstanceOf(TypeError);
    await expect(resolveConflict('clobber' as unknown as ConflictPolicy, conflict)).rejects.toBeInstanceOf(TypeError);
  });
});
