/**
 * Temp names say whose they are, and only a writer the process table shows dead is taken for dead: real processes,
 * the real /proc.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../../../src/fs/procStat.js';
import { localId, writerOfId } from '../../../src/ops/localId.js';
import { tempFileName, parseTempName } from '../../../src/ops/tempName.js';
import { osWriters, type WriterIdentity, type Writers } from '../../../src/ops/writers.js';
import { newTxId } from '../../../src/transaction/txId.js';

const hasProc = fs.existsSync('/proc/self/stat');
const writers = osWriters();
const startOf = (pid: number): string => parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).startTime;
/** The pid of a process that has exited and been reaped. */
const deadPid = (): number => {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
};

describe('the writer in a temp name', () => {
  it('names this process: its pid, its start time and a tag of its boot, pid namespace and host', async () => {
    const me = await writers.self();
    expect(me.pid).toBe(process.pid);
    expect(me.host).toMatch(/^[0-9a-f]{8}$/);
    if (hasProc) expect(me.start).toBe(startOf(process.pid));
    const id = await localId(writers);
    expect(writerOfId(id)).toEqual(me);
    expect(id).not.toMatch(/[./]/);
    const name = tempFileName('settings.json', id, 0);
    expect(parseTempName(name)).toEqual({ base: 'settings.json', id, n: 0 });
  });

  it('gives two calls two ids', async () => {
    expect(await localId(writers)).not.toBe(await localId(writers));
  });

  it('never reads a writer out of a store transaction id or another name', () => {
    expect(writerOfId(newTxId(Date.now()))).toBeUndefined();
    for (const other of ['w1', 'abc', '1-2-3', '12-x-0011223g-a1b2c30', '']) expect(writerOfId(other)).toBeUndefined();
  });

  it('reads back every identity it writes (property)', async () => {
    const identity = fc.record({
      pid: fc.integer({ min: 1, max: 4_194_304 }),
      start: fc.option(fc.bigInt({ min: 0n, max: 2n ** 52n }).map(String), { nil: null }),
      host: fc.integer({ min: 0, max: 0xffffffff }).map((n) => n.toString(16).padStart(8, '0')),
    });
    await fc.assert(
      fc.asyncProperty(identity, async (w: WriterIdentity) => {
        const fixed: Writers = { self: async () => w, isGone: async () => false };
        expect(writerOfId(await localId(fixed))).toEqual(w);
      }),
    );
  });
});

describe.skipIf(!hasProc)('whether a writer is dead (needs /proc)', () => {
  it('is never this process, nor a writer with another tag (another boot, container or machine)', async () => {
    const me = await writers.self();
    expect(await writers.isGone(me)).toBe(false);
    expect(await writers.isGone({ ...me, host: me.host === '00000000' ? '11111111' : '00000000', pid: deadPid() })).toBe(false);
  });

  it('is a pid that no longer exists', async () => {
    const me = await writers.self();
    expect(await writers.isGone({ pid: deadPid(), start: '12345', host: me.host })).toBe(true);
    expect(await writers.isGone({ pid: deadPid(), start: null, host: me.host })).toBe(true);
  });

  it('is a live pid only when it started at another time (the pid was reused)', async () => {
    const me = await writers.self();
    const parent = process.ppid;
    expect(await writers.isGone({ pid: parent, start: startOf(parent), host: me.host })).toBe(false);
    expect(await writers.isGone({ pid: parent, start: String(Number(startOf(parent)) + 1), host: me.host })).toBe(true);
    expect(await writers.isGone({ pid: parent, start: null, host: me.host })).toBe(false);
    // An earlier process that had this very pid.
    expect(await writers.isGone({ ...me, start: String(Number(me.start) + 1) })).toBe(true);
  });
});
