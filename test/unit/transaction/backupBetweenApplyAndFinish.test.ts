/**
 * A file read between another transaction's renames and its finish (the manifest not updated yet): the reader's
 * transaction waits for the lock, then backs the file up. The backup holds exactly what the store wrote there (the
 * other transaction's content) and must not be flagged damaged because the manifest seen when the reader noted the
 * file was older. (On one host the window is a few microseconds; with a journal across the network, milliseconds:
 * three hosts on PostgreSQL met it every few hundred transactions.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { openStoreWith } from '../../../src/store/openStore.js';
import type { Store } from '../../../src/types.js';

const roots: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** A promise and its resolver. */
const signal = (): { promise: Promise<void>; fire: () => void } => {
  let fire = (): void => undefined;
  const promise = new Promise<void>((r) => (fire = r));
  return { promise, fire };
};

describe('a backup of a file another transaction renamed in but has not finished', () => {
  it('is not flagged damaged: it holds what the store wrote, and the manifest says so once the lock is taken', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-race-'));
    roots.push(root);
    const atFinish = signal();
    const finishGo = signal();
    const atIntend = signal();
    let armed = false;
    const a = await openStoreWith({ root }, {
      steps: (correct) => ({
        ...correct,
        finish: async (...args) => {
          if (armed) {
            atFinish.fire();
            await finishGo.promise;
          }
          return correct.finish(...args);
        },
      }),
    });
    stores.push(a);
    const b = await openStoreWith({ root }, {
      steps: (correct) => ({
        ...correct,
        intend: async (...args) => {
          if (armed) atIntend.fire();
          return correct.intend(...args);
        },
      }),
    });
    stores.push(b);
    await a.writeFile('k.txt', 'v0'.repeat(100));
    armed = true;
    const first = a.writeFile('k.txt', 'v1'.repeat(100));
    await atFinish.promise;
    // A renamed its file in; its finish (manifest, locks) waits. B reads the new content and writes over it.
    const seen = await b.readFile('k.txt');
    expect(seen.toString()).toBe('v1'.repeat(100));
    const second = b.transaction((tx) => {
      tx.expect('k.txt', { sha256: sha256Of(seen) }).writeFile('k.txt', 'v2'.repeat(100));
    });
    await atIntend.promise;
    finishGo.fire();
    await first;
    const r = await second;
    expect(fs.readFileSync(path.join(root, 'k.txt'), 'utf8')).toBe('v2'.repeat(100));
    const backup = r.files[0]?.backup;
    expect(backup?.sha256).toBe(sha256Of(Buffer.from('v1'.repeat(100))));
    expect((await b.backups.verify()).problems).toEqual([]);
    const listed = await b.backups.list('k.txt');
    expect(listed.map((e) => e.damaged ?? false)).toEqual(listed.map(() => false));
  });
});
