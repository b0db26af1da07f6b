/**
 * A transaction's finish record rides on the next journal commit (`journal/riding.ts`): `commit()` resolves before it
 * is written. A process killed (SIGKILL, a real child) right after its last call resolved, with that finish still
 * held, loses nothing: the next open's recovery writes the finish, every file holds what the resolved calls wrote, the
 * replaced version is a verified backup, no temp file or lock is left, and the journal has no open transaction.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import { isTempName } from '../../src/ops/tempName.js';
import { spawnChild } from './children/spawnChild.js';

describe('a finish riding on the next commit, when the process dies first', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-ride-kill-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('is written by recovery at the next open; the resolved writes all stand', async () => {
    const child = spawnChild('finishRider.ts', [root]);
    const line = await child.waitForLine((l) => l.startsWith('resolved '));
    await child.kill();
    const [, lastId, , held] = line.split(' ');
    // The finish of the last write was still held when the process died (the window this test is about).
    expect(held).toBe('1');

    const store = await openStore({ root });
    try {
      // Recovery finished exactly the transaction whose finish was held: its changes were durable, so forward.
      expect(store.recovery.rolledForward).toEqual([lastId]);
      expect(store.recovery.rolledBack).toEqual([]);
      expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('v2');
      expect(fs.readFileSync(path.join(root, 'b.txt'), 'utf8')).toBe('only');
      expect(fs.readdirSync(root).filter(isTempName)).toEqual([]);
      const status = await store.status();
      expect(status.openTransactions).toEqual([]);
      expect(status.locks).toEqual([]);
      expect(status.externallyChanged).toEqual([]);
      const backups = await store.backups.list('a.txt');
      expect(backups).toHaveLength(1);
      const checked = await store.backups.verify();
      expect(checked.problems).toEqual([]);
      expect(checked.checked).toBe(1);
      const log = [];
      for await (const tx of store.log()) log.push(tx.state);
      expect(log).toEqual(['committed', 'committed', 'committed']);
      // The store goes on: a later write on the same path lands, with the earlier versions kept.
      await store.writeFile('a.txt', 'v3');
      expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('v3');
      expect(await store.backups.list('a.txt')).toHaveLength(2);
    } finally {
      await store.close();
    }
  });
});
