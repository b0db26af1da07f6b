/**
 * The smaller promises of issue "every promise kept": a checksum sidecar follows a renamed file; an undo of an undo
 * puts the original back in the log as committed; status says which locks are stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyChecksumFile } from '../../../src/index.js';
import { storeContextOf } from '../../../src/store/openStore.js';
import { acquireLocks, lockOwner } from '../../../src/transaction/locks.js';
import type { TxSummary } from '../../../src/types.js';
import { trackedFixtures } from '../transaction/storeFixture.js';

const fixture = trackedFixtures();

const logOf = async (s: { log: () => AsyncIterable<TxSummary> }): Promise<TxSummary[]> => {
  const out: TxSummary[] = [];
  for await (const t of s.log()) out.push(t);
  return out;
};

describe('smaller promises', () => {
  it('checksumFile on tx.rename writes the sidecar of the renamed file', async () => {
    const f = await fixture({ 'a.txt': 'content' });
    await f.store.begin().rename('a.txt', 'b.txt', { checksumFile: true }).commit();
    expect(fs.existsSync(path.join(f.root, 'b.txt.sha256'))).toBe(true);
    expect(await verifyChecksumFile(path.join(f.root, 'b.txt'))).toBe(true);
  });

  it('an undo of an undo shows the original as committed again, the first undo as undone', async () => {
    const f = await fixture({ 'a.txt': 'v0' });
    const first = await f.store.writeFile('a.txt', 'v1');
    const tx = (await logOf(f.store))[0]?.id as string;
    expect(first.status).toBe('written');
    const undo = await f.store.undo(tx);
    const redo = await f.store.undo(undo.id);
    const states = new Map((await logOf(f.store)).map((t) => [t.id, t.state]));
    expect([states.get(tx), states.get(undo.id), states.get(redo.id)]).toEqual(['committed', 'undone', 'committed']);
    expect(fs.readFileSync(path.join(f.root, 'a.txt'), 'utf8')).toBe('v1');
  });

  it("status() marks a lock whose holder is gone as stale, and a live one as not", async () => {
    const f = await fixture({});
    const env = storeContextOf(f.store).env;
    await acquireLocks(env, ['live.txt'], lockOwner('live-one'), { timeoutMs: 0 });
    await acquireLocks(env, ['dead.txt'], lockOwner('dead-one'), { timeoutMs: 0 });
    env.processes.markDone('dead-one');
    const locks = (await f.store.status()).locks.map((l) => [l.path, l.stale]);
    env.processes.markDone('live-one');
    expect(locks).toEqual([['dead.txt', true], ['live.txt', false]]);
  });
});
