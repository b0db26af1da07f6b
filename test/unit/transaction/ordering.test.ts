import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openStoreWith } from '../../../src/store/openStore.js';
import { mapJournal } from './mapJournal.js';
import { breakProtocol } from '../../../src/testing/protocolBreaks.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** A node FileSystem that logs each call into `events`. */
const logged = (events: string[]): FileSystem => {
  const log = (what: string, p: string): void => void events.push(`fs:${what}:${path.basename(p)}`);
  return {
    ...nodeFileSystem,
    open: async (p, flags, mode) => {
      log(`open-${flags}`, p);
      const h = await nodeFileSystem.open(p, flags, mode);
      return { ...h, datasync: async () => (log('datasync', p), h.datasync()), sync: async () => (log('sync', p), h.sync()) };
    },
    rename: async (a, b) => (log('rename', b), nodeFileSystem.rename(a, b)),
    unlink: async (p) => (log('unlink', p), nodeFileSystem.unlink(p)),
    link: async (a, b) => (log('link', b), nodeFileSystem.link(a, b)),
    syncDir: async (p) => (log('syncDir', p), nodeFileSystem.syncDir(p)),
  };
};

const run = async (breaks = {}): Promise<string[]> => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  roots.push(root);
  fs.writeFileSync(path.join(root, 'a.txt'), 'old');
  const events: string[] = [];
  const store = await openStoreWith({ root, fs: logged(events), journal: mapJournal(events) }, { steps: (correct) => breakProtocol(correct, breaks) });
  fs.writeFileSync(path.join(root, 'gone.txt'), 'bye');
  events.length = 0;
  await store.transaction((tx) => void tx.writeFile('a.txt', 'new a').writeFile('b.txt', 'new b').delete('gone.txt'));
  await store.close();
  return events;
};

const first = (events: string[], pred: (e: string) => boolean): number => events.findIndex(pred);

describe('durable points of the commit protocol', () => {
  it('awaits the intent flush before the first temp file exists, and the commit point flush before the first rename', async () => {
    const ev = await run();
    const intent = first(ev, (e) => e === 'journal:staging');
    const intentFlush = ev.indexOf('journal:flushed', intent);
    const firstTemp = first(ev, (e) => e.startsWith('fs:open-wx:') && e.endsWith('.txfs-tmp'));
    const firstBackup = first(ev, (e) => e.startsWith('fs:link:') && e.endsWith('.bak'));
    const commitPoint = first(ev, (e) => e === 'journal:committing');
    const commitFlush = ev.indexOf('journal:flushed', commitPoint);
    const firstRename = first(ev, (e) => e.startsWith('fs:rename:'));
    const firstUnlink = first(ev, (e) => e === 'fs:unlink:gone.txt');
    const lastDirSync = ev.lastIndexOf(ev.filter((e) => e.startsWith('fs:syncDir:')).at(-1) ?? '');
    const committed = first(ev, (e) => e === 'journal:committed');
    expect(intent).toBeGreaterThanOrEqual(0);
    expect(intentFlush).toBeGreaterThan(intent);
    expect(firstTemp).toBeGreaterThan(intentFlush);
    expect(firstBackup).toBeGreaterThan(intentFlush);
    // Stage and protect may run at the same time, but both end before the commit point: the backup directory is synced.
    const backupDirSync = first(ev, (e) => e === 'fs:syncDir:backups');
    expect(backupDirSync).toBeGreaterThan(firstBackup);
    expect(backupDirSync).toBeLessThan(commitPoint);
    expect(commitFlush).toBeGreaterThan(commitPoint);
    // Every temp is synced before the commit point.
    expect(ev.filter((e, i) => e.startsWith('fs:datasync:') && i > commitPoint)).toEqual([]);
    expect(firstRename).toBeGreaterThan(commitFlush);
    expect(firstUnlink).toBeGreaterThan(commitFlush);
    expect(lastDirSync).toBeGreaterThan(firstUnlink);
    expect(committed).toBeGreaterThan(lastDirSync);
  });

  it('each ProtocolBreaks flag breaks exactly its step', async () => {
    const noDir = await run({ noDirSync: true });
    const cp = noDir.indexOf('journal:committing');
    expect(noDir.slice(cp).filter((e) => e.startsWith('fs:syncDir:'))).toEqual([]);
    const early = await run({ renameBeforeCommitPoint: true });
    expect(first(early, (e) => e.startsWith('fs:rename:'))).toBeLessThan(early.indexOf('journal:committing'));
    const noTemp = await run({ noTempSync: true });
    expect(noTemp.filter((e) => e.startsWith('fs:datasync:') && e.endsWith('.txfs-tmp'))).toEqual([]);
    const noFlush = await run({ commitPointNotFlushed: true });
    const at = noFlush.indexOf('journal:committing');
    expect(noFlush.indexOf('journal:flush', at)).toBe(-1);
  });
});
