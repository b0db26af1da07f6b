import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/index.js';
import { createCrashWorld, createProcessTable } from '../../../src/testing/index.js';

/** A validator that holds its transaction (and its locks) until `release` is called. */
const holding = (): { validator: { name: string; validate: () => Promise<void> }; entered: Promise<void>; release: () => void } => {
  let release = (): void => undefined;
  let entered = (): void => undefined;
  const enteredP = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  return { validator: { name: 'hold', validate: async () => { entered(); await gate; } }, entered: enteredP, release };
};

describe('the crash world process table', () => {
  it('gives each simulated process its own pid, alive until killed', async () => {
    const table = createProcessTable();
    const a = table.spawn();
    const b = table.spawn();
    expect(a.pid).not.toBe(b.pid);
    expect(await b.processes.isAlive({ txId: 'x', pid: a.pid, procStart: await a.processes.startTime() })).toBe(true);
    a.kill();
    expect(a.alive).toBe(false);
    expect(await b.processes.isAlive({ txId: 'x', pid: a.pid, procStart: await a.processes.startTime() })).toBe(false);
    expect(await b.processes.isAlive({ txId: 'x', pid: 99_999, procStart: null })).toBe(false);
  });

  it('a lock of a live simulated process holds another process off; once it dies, its transaction is rolled back and the lock passes on', async () => {
    const world = createCrashWorld({ files: { 'a.txt': 'v0' } });
    const table = createProcessTable();
    const [pa, pb] = [table.spawn(), table.spawn()];
    const a = await openStore({ root: '/', fs: world.fs, journal: world.journal, processes: pa.processes });
    const b = await openStore({ root: '/', fs: world.fs, journal: world.journal, processes: pb.processes, lockTimeoutMs: 30 });
    const hold = holding();
    // Streamed data is validated once staged: the temp file exists while the validator holds the transaction.
    const stuck = a.writeFile('a.txt', (async function* () { yield Buffer.from('from a'); })(), { validate: hold.validator });
    await hold.entered;
    // A's temp file exists and its lock is held by a live process: B waits, then gives up.
    expect(world.list('/').filter((f) => f.endsWith('.txfs-tmp'))).toHaveLength(1);
    await expect(b.writeFile('a.txt', 'from b')).rejects.toMatchObject({ code: 'ELOCKED', holder: expect.stringContaining(`pid ${pa.pid}`) as unknown });

    pa.kill();
    const r = await b.writeFile('a.txt', 'from b');
    expect(r.status).toBe('written');
    expect(Buffer.from(world.read('/a.txt') ?? []).toString()).toBe('from b');
    // The dead holder's temp is gone: its open transaction was rolled back before its lock passed to B.
    expect(world.list('/').filter((f) => f.endsWith('.txfs-tmp'))).toEqual([]);
    const states: string[] = [];
    for await (const t of b.log()) states.push(t.state);
    expect(states).toEqual(['committed', 'rolled-back']);
    hold.release();
    await stuck.catch(() => undefined);
  });
});
