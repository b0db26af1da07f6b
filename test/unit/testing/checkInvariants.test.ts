import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../../src/journal/envelope.js';
import { BackupRecord } from '../../../src/journal/records/backupRecord.js';
import { encodeLock } from '../../../src/journal/records/lockRecord.js';
import { OpenMarker, TxRecord } from '../../../src/journal/records/txRecord.js';
import { checkIdempotence, checkInvariants, contentOf, createCrashWorld, filesOf, type Acknowledged, type Workload } from '../../../src/testing/index.js';

const w: Workload = {
  files: { 'a.txt': 'old a', 'sub/base.txt': 'base' },
  txs: [[{ op: 'write', path: 'a.txt', size: 8 }, { op: 'write', path: 'b.txt', size: 9 }]],
};
const newA = Buffer.from(contentOf(0, 0, 8)).toString('latin1');
const newB = Buffer.from(contentOf(0, 1, 9)).toString('latin1');
const txRecord = (id: string, state: 'committing' | 'committed'): unknown => encodeRecord(`tx/${id}`, TxRecord, { v: 1, id, state, startedAt: 0, pid: 1, ops: [] });
const backupRecord = (id: string, file: string, sha256: string): unknown =>
  encodeRecord(`backup/a.txt/${id}`, BackupRecord, { v: 1, id, path: 'a.txt', file, createdAt: 0, size: 5, sha256, compressed: false, reason: 'replaced' });
const crashed: Acknowledged = { outcomes: [{ status: 'crashed' }] };
const acked: Acknowledged = { outcomes: [{ status: 'acked', id: 't1' }] };

const worldWith = (files: Record<string, string>): ReturnType<typeof createCrashWorld> =>
  createCrashWorld({ files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v, 'latin1')])) });

describe('checkInvariants', () => {
  it('accepts an in-flight transaction all old or all new', () => {
    expect(checkInvariants(worldWith({}), worldWith({ 'a.txt': 'old a', 'sub/base.txt': 'base' }), w, crashed)).toEqual([]);
    expect(checkInvariants(worldWith({}), worldWith({ 'a.txt': newA, 'b.txt': newB, 'sub/base.txt': 'base' }), w, crashed)).toEqual([]);
  });

  it('reports I1 when the in-flight transaction is half applied, or a target holds neither version', () => {
    const half = checkInvariants(worldWith({}), worldWith({ 'a.txt': newA, 'sub/base.txt': 'base' }), w, crashed);
    expect(half.map((v) => v.invariant)).toEqual(['I1']);
    expect(half[0]?.message).toMatch(/half applied: a\.txt new, b\.txt old/);
    const torn = checkInvariants(worldWith({}), worldWith({ 'a.txt': 'garbage', 'sub/base.txt': 'base' }), w, crashed);
    expect(torn[0]?.message).toMatch(/neither the old/);
  });

  it('reports I2 when an acknowledged transaction is not fully there', () => {
    const lost = checkInvariants(worldWith({}), worldWith({ 'a.txt': newA, 'sub/base.txt': 'base' }), w, acked);
    expect(lost.map((v) => [v.invariant, v.path])).toEqual([['I2', 'b.txt']]);
  });

  it('reports I3 for a temp file, an unfinished record, an open marker and a lock', async () => {
    const after = worldWith({ 'a.txt': 'old a', 'sub/base.txt': 'base', 'sub/.d.txt.t1.0.txfs-tmp': 'x' });
    await after.journal.put('tx/t1', txRecord('t1', 'committing'));
    await after.journal.put('tx/t0', txRecord('t0', 'committed'));
    await after.journal.put('open/t1', encodeRecord('open/t1', OpenMarker, { v: 1, id: 't1' }));
    await after.journal.put('lock/a.txt', encodeLock('a.txt', { txId: 't1', pid: 1, procStart: null, label: '', since: 0 }));
    const v = checkInvariants(worldWith({}), after, w, crashed);
    expect(v.map((x) => x.invariant)).toEqual(['I3', 'I3', 'I3', 'I3']);
    expect(v.map((x) => x.message).join('\n')).toMatch(/temp file[\s\S]*lock[\s\S]*open-transaction[\s\S]*'committing'/);
  });

  it('reports I4 for a missing or damaged backup, and accepts a good one', async () => {
    const after = worldWith({ 'a.txt': 'old a', 'sub/base.txt': 'base', '.txfs/backups/good.bak': 'old a', '.txfs/backups/bad.bak': 'olda' });
    const sha = createHash('sha256').update('old a').digest('hex');
    await after.journal.put('backup/a.txt/1', backupRecord('1', 'good.bak', sha));
    await after.journal.put('backup/a.txt/2', backupRecord('2', 'bad.bak', sha));
    await after.journal.put('backup/a.txt/3', backupRecord('3', 'gone.bak', sha));
    const v = checkInvariants(worldWith({}), after, w, crashed);
    expect(v.map((x) => `${x.invariant} ${x.path ?? ''}`)).toEqual(['I4 /.txfs/backups/bad.bak', 'I4 /.txfs/backups/gone.bak']);
  });
});

describe('checkIdempotence', () => {
  it('reports I5 for every file that differs, ignoring a given prefix', () => {
    const a = filesOf(worldWith({ 'x.txt': '1', '.txfs/s': 'a' }));
    const b = filesOf(worldWith({ 'x.txt': '2', '.txfs/s': 'b' }));
    expect(checkIdempotence(a, b, 'twice', '.txfs/').map((v) => `${v.invariant} ${v.path ?? ''}`)).toEqual(['I5 x.txt']);
    expect(checkIdempotence(a, a, 'same')).toEqual([]);
  });
});
