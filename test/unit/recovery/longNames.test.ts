import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TxRecord } from '../../../src/journal/records/txRecord.js';
import { isTempName, tempFileName } from '../../../src/ops/tempName.js';
import { restoreTemp } from '../../../src/recovery/plan.js';
import { openStore } from '../../../src/store/openStore.js';
import { createFaultyFileSystem } from '../../../src/testing/faultyFileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { createCrashWorld, type CrashWorld, type Workload } from '../../../src/testing/index.js';
import { describeFinding, exploreWorkload, openOn } from '../../crash/harness.js';
import { countStates } from '../../crash/totals.js';
import { read, scratch, temps } from './scratch.js';

const bytes = (s: string): number => Buffer.byteLength(s);
/** Names of 250 and 255 bytes: a backup or a temp of them with its id does not fit NAME_MAX uncut. */
const LONG = `${'l'.repeat(246)}.txt`;
const LONGEST = `${'m'.repeat(251)}.txt`;
const CJK = `${'日'.repeat(82)}.txt`;

const recordOf = (id: string, ops: number): TxRecord => ({ v: 1, id, state: 'committing', startedAt: 0, pid: 1, ops: Array.from({ length: ops }, () => ({ kind: 'delete', target: 'x' }) as unknown as TxRecord['ops'][number]) });

describe('restoreTemp', () => {
  it("names a restore temp by staging's own rule, within NAME_MAX, for names of any length", () => {
    const rec = recordOf('mif8w1k2h0001x9k2a', 3);
    expect(restoreTemp(rec, 'sub/a.txt', 1)).toEqual({ base: 'root', rel: 'sub/.a.txt.mif8w1k2h0001x9k2a.4.txfs-tmp' });
    for (const name of [LONG, LONGEST, CJK]) {
      const { rel } = restoreTemp(rec, `sub/${name}`, 5);
      expect(rel).toBe(`sub/${tempFileName(name, rec.id, 8)}`);
      expect(bytes(path.posix.basename(rel))).toBeLessThanOrEqual(255);
      expect(isTempName(rel)).toBe(true);
      expect(path.posix.basename(rel)).not.toContain('\uFFFD');
    }
  });
});

describe('recovery of a transaction on a file of a 250+ byte name', () => {
  const s = scratch();

  it('restores the file from its backup on a real disk when a staged temp is lost after the commit point', async () => {
    const root = s.root();
    fs.writeFileSync(path.join(root, LONG), 'old long');
    fs.writeFileSync(path.join(root, 'b.txt'), 'old b');
    const faulty = createFaultyFileSystem(nodeFileSystem);
    const store = await openStore({ root, fs: faulty });
    // Cut the process off at its first rename: the commit point is durable, no temp is in place yet.
    faulty.inject({ kind: 'rename', nth: 1, errno: 'EIO', mode: 'always' });
    await expect(store.transaction((tx) => void tx.writeFile(LONG, 'new long').writeFile('b.txt', 'new b'))).rejects.toMatchObject({ code: 'EIO' });
    await store.close();
    const staged = temps(root);
    expect(staged).toHaveLength(2);
    // The temp of b.txt is lost: the transaction cannot be rolled forward, so recovery puts both files back.
    for (const t of staged.filter((n) => n.startsWith('.b.txt.'))) fs.unlinkSync(path.join(root, t));
    const again = s.keep(await openStore({ root }));
    expect(read(root, LONG)).toBe('old long');
    expect(read(root, 'b.txt')).toBe('old b');
    expect(temps(root)).toEqual([]);
    expect((await again.status()).openTransactions).toEqual([]);
  });

  /** Runs one two-file transaction on a crash world, recording a snapshot before every call. */
  const runOnWorld = async (): Promise<CrashWorld> => {
    const world = createCrashWorld({ files: { [LONGEST]: 'old long', [`d/${CJK}`]: 'old cjk' }, recordCrashPoints: true });
    const store = await openOn(world, 0);
    await store.transaction((tx) => void tx.writeFile(LONGEST, 'new long').writeFile(`d/${CJK}`, 'new cjk'));
    return world;
  };
  const text = (w: CrashWorld, p: string): string | undefined => {
    const b = w.read(p);
    return b === undefined ? undefined : Buffer.from(b).toString('utf8');
  };
  const tempsIn = (w: CrashWorld): string[] => w.list('/').filter((p) => isTempName(p));

  it('finishes in the crash world at every crash point after losing the staged temps, restoring from the backups (crashing the recovery too)', async () => {
    const world = await runOnWorld();
    let restored = 0;
    let states = 0;
    const problems: string[] = [];
    for (let n = 0; n <= world.calls; n++) {
      const after = world.afterCrashAt(n, { model: 'lose-unsynced', recordCrashPoints: true });
      for (const t of tempsIn(after)) await after.fs.unlink(`/${t}`);
      const before = after.calls;
      try {
        await (await openOn(after, 1)).close();
      } catch (e) {
        problems.push(`crash after call ${n}: recovery failed: ${String(e)}`);
        continue;
      }
      states++;
      const pair = [text(after, `/${LONGEST}`), text(after, `/d/${CJK}`)];
      if (!(JSON.stringify(pair) === JSON.stringify(['old long', 'old cjk']) || JSON.stringify(pair) === JSON.stringify(['new long', 'new cjk']))) {
        problems.push(`crash after call ${n}: torn state ${JSON.stringify(pair)}`);
      }
      if (tempsIn(after).length > 0) problems.push(`crash after call ${n}: temps left: ${tempsIn(after).join(', ')}`);
      const restores = after.trace.slice(before).filter((r) => r.kind === 'link' && r.to !== undefined && isTempName(r.to));
      if (restores.length === 0) continue;
      restored++;
      // Crash that recovery at each of its calls: the next one still finishes, with both files as before.
      for (let m = 0; m < after.calls - before; m++) {
        const cut = after.afterCrashAt(before + m, { model: 'lose-unsynced' });
        states++;
        try {
          await (await openOn(cut, 2)).close();
        } catch (e) {
          problems.push(`crash after call ${n}, recovery cut after its call ${m}: the next recovery failed: ${String(e)}`);
          continue;
        }
        if (text(cut, `/${LONGEST}`) !== 'old long' || text(cut, `/d/${CJK}`) !== 'old cjk') problems.push(`crash after call ${n}, recovery cut after ${m}: not restored`);
      }
    }
    countStates(states, problems.length);
    expect(problems.slice(0, 5)).toEqual([]);
    expect(restored).toBeGreaterThan(0);
  });

  it('keeps I1–I5 at every crash point of writes, a rename and a delete on long names (crash world, recovery crashed too)', async () => {
    const w: Workload = {
      files: { [LONG]: 'old long', [`sub/${CJK}`]: 'old cjk', 'a.txt': 'old a' },
      txs: [
        [{ op: 'write', path: LONG, size: 300 }, { op: 'write', path: 'a.txt', size: 20 }],
        [{ op: 'rename', from: `sub/${CJK}`, to: LONGEST }, { op: 'delete', path: LONG }],
      ],
    };
    const r = await exploreWorkload(w, { reorderSeeds: 3, tornSeeds: 1, recoveryCrashes: 'all', seed: 16 });
    countStates(r.states, r.findings.length);
    expect(r.findings.slice(0, 3).map((f) => describeFinding(w, f))).toEqual([]);
    expect(r.recoveryCrashStates).toBeGreaterThan(0);
  });
});
