import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, rebuildJournal } from '../../../src/index.js';
import { openLmdbJournal } from '../../../src/journal/lmdb.js';
import { journalIdKey } from '../../../src/journal/records/journalIdRecord.js';
import type { Store } from '../../../src/types.js';

const scratch: string[] = [];
const opened: Store[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempRoot = (): string => {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-rebuild-')));
  scratch.push(d);
  return d;
};
const open = async (root: string): Promise<Store> => {
  const s = await openStore({ root });
  opened.push(s);
  return s;
};
const failureOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
const read = (root: string, rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');
const big = (v: string): string => `${v}\n${'x'.repeat(5000)}`;
const journalDir = (root: string): string => path.join(root, '.txfs', 'journal');
const dataFile = (root: string): string => path.join(journalDir(root), 'data.mdb');

/** A store with history: versions of a.txt (the oldest gzipped by retention), a file in a directory, a deleted file. */
const storeWithHistory = async (): Promise<{ root: string; versions: Record<string, string[]> }> => {
  const root = tempRoot();
  const s = await openStore({ root });
  // Over 4 KiB each, so that retention gzips all but the newest two backups.
  for (const v of ['a1', 'a2', 'a3', 'a4']) await s.writeFile('a.txt', big(v));
  fs.mkdirSync(path.join(root, 'docs'));
  await s.writeFile('docs/report.final.xml', '<r1/>');
  await s.writeFile('docs/report.final.xml', '<r2/>');
  await s.writeFile('gone.txt', 'was here');
  await s.deleteFile('gone.txt');
  const versions: Record<string, string[]> = {};
  for (const rel of ['a.txt', 'docs/report.final.xml', 'gone.txt']) {
    versions[rel] = (await s.backups.list(rel)).map((b) => b.sha256);
  }
  await s.close();
  return { root, versions };
};

/** What `store.backups.list` gives for each file: [sha256, compressed] newest first. */
const listing = async (s: Store): Promise<Record<string, Array<[string, boolean]>>> => {
  const out: Record<string, Array<[string, boolean]>> = {};
  for (const rel of ['a.txt', 'docs/report.final.xml', 'gone.txt']) out[rel] = (await s.backups.list(rel)).map((b) => [b.sha256, b.compressed]);
  return out;
};

describe('a lost journal', () => {
  for (const [how, lose] of [
    ['deleted', (root: string) => fs.rmSync(dataFile(root))],
    ['truncated to nothing', (root: string) => fs.truncateSync(dataFile(root), 0)],
    ['removed with its directory', (root: string) => fs.rmSync(journalDir(root), { recursive: true })],
  ] as const) {
    it(`refuses to open when data.mdb was ${how}, saying how to rebuild; after rebuildJournal the backups list and restore again`, async () => {
      const { root, versions } = await storeWithHistory();
      const before = await listing(await open(root));
      await opened.pop()?.close();
      expect(before['a.txt']?.map(([, gz]) => gz)).toEqual([false, false, true]);
      expect(before['a.txt']?.map(([sha]) => sha)).toEqual(versions['a.txt']);
      lose(root);

      const e = await failureOf(openStore({ root }));
      expect(e).toMatchObject({ code: 'EJOURNAL', path: journalDir(root), message: expect.stringMatching(/missing or empty.*txfs recover --rebuild/s) as string });
      // Refused every time, not only once: the refusal itself leaves nothing that would let the next open pass.
      await expect(openStore({ root })).rejects.toMatchObject({ code: 'EJOURNAL' });

      expect(await rebuildJournal({ root })).toEqual({ rebuilt: true, indexed: 5, skipped: [] });
      const s = await open(root);
      expect(await listing(s)).toEqual(before);
      await s.backups.restore('gone.txt');
      expect(read(root, 'gone.txt')).toBe('was here');
      const oldest = (await s.backups.list('a.txt')).at(-1);
      await s.backups.restore('a.txt', { backup: oldest?.id ?? '' });
      expect(read(root, 'a.txt')).toBe(big('a1'));
    });
  }

  it('leaves an intact journal as it is', async () => {
    const { root } = await storeWithHistory();
    const before = fs.readFileSync(dataFile(root));
    expect(await rebuildJournal({ root })).toEqual({ rebuilt: false, indexed: 0, skipped: [] });
    expect(fs.readFileSync(dataFile(root)).equals(before)).toBe(true);
    expect((await open(root)).recovery.problems).toEqual([]);
  });

  it('sets a damaged journal aside (never deletes it) and rebuilds', async () => {
    const { root } = await storeWithHistory();
    fs.writeFileSync(dataFile(root), Buffer.alloc(fs.statSync(dataFile(root)).size, 0x5a));
    await expect(openStore({ root })).rejects.toMatchObject({ code: 'EJOURNAL', message: expect.stringMatching(/damaged/) as string });
    const report = await rebuildJournal({ root });
    expect(report).toMatchObject({ rebuilt: true, indexed: 5, setAside: expect.stringMatching(/journal\.set-aside-\d{8}-\d{6}$/) as string });
    expect(fs.readFileSync(path.join(report.setAside ?? '', 'data.mdb'))[0]).toBe(0x5a);
    expect((await (await open(root)).backups.list('a.txt')).length).toBe(3);
  });

  it("refuses another store's journal put in its place, and rebuild sets that one aside", async () => {
    const { root } = await storeWithHistory();
    const other = tempRoot();
    const o = await openStore({ root: other });
    await o.writeFile('x.txt', 'x');
    await o.close();
    fs.rmSync(journalDir(root), { recursive: true });
    fs.cpSync(journalDir(other), journalDir(root), { recursive: true });
    await expect(openStore({ root })).rejects.toMatchObject({ code: 'EJOURNAL', message: expect.stringMatching(/not this store's/) as string });
    expect(await rebuildJournal({ root })).toMatchObject({ rebuilt: true, indexed: 5 });
    expect((await (await open(root)).backups.list('a.txt')).length).toBe(3);
  });

  it('indexes what it can and names what it leaves out: foreign files, temps, shortened names, a gzip beside its original', async () => {
    const { root } = await storeWithHistory();
    const backups = path.join(root, '.txfs', 'backups');
    const s = await open(root);
    const long = `${'n'.repeat(250)}.txt`;
    await s.writeFile(long, 'v1');
    await s.writeFile(long, 'v2');
    const kept = (await s.backups.list('a.txt'))[0]?.file ?? '';
    await opened.pop()?.close();
    fs.writeFileSync(path.join(backups, 'notes.txt'), 'mine');
    fs.writeFileSync(path.join(backups, '.a-20260102-030405-x.txt.bak.k3x9.0.txfs-tmp'), 'temp');
    fs.copyFileSync(kept, `${kept}.gz`);
    fs.rmSync(dataFile(root));

    const report = await rebuildJournal({ root });
    expect(report.indexed).toBe(5);
    const reasons = Object.fromEntries(report.skipped.map((x) => [x.file.startsWith('nnnn') ? 'long' : x.file, x.reason]));
    expect(reasons).toEqual({
      'notes.txt': 'not named as a txfs backup',
      '.a-20260102-030405-x.txt.bak.k3x9.0.txfs-tmp': expect.stringMatching(/temp file/) as string,
      long: expect.stringMatching(/shortened backup name/) as string,
      [`${path.basename(kept)}.gz`]: expect.stringMatching(/interrupted compression/) as string,
    });
  });

  it('keeps the manifest empty (the files show as unindexed) and the log empty, which cannot be rebuilt', async () => {
    const { root } = await storeWithHistory();
    fs.rmSync(dataFile(root));
    await rebuildJournal({ root });
    const s = await open(root);
    expect((await s.verify()).checked).toBe(0);
    const log = [];
    for await (const t of s.log()) log.push(t);
    expect(log).toEqual([]);
    await s.writeFile('a.txt', big('a5'));
    expect((await s.verify()).ok).toBe(1);
  });

  it('refuses a journal a rebuild left without its identity (cut short), and the next rebuild sets it aside', async () => {
    const { root } = await storeWithHistory();
    fs.rmSync(dataFile(root));
    await rebuildJournal({ root });
    const j = await openLmdbJournal(journalDir(root));
    await j.remove(journalIdKey);
    await j.close();
    await expect(openStore({ root })).rejects.toMatchObject({ code: 'EJOURNAL' });
    expect(await rebuildJournal({ root })).toMatchObject({ rebuilt: true, indexed: 5, setAside: expect.any(String) as string });
    expect((await (await open(root)).backups.list('a.txt')).length).toBe(3);
  });

  it('gives a store from before the marker its marker on open, and then guards it', async () => {
    const { root } = await storeWithHistory();
    const marker = path.join(root, '.txfs', 'journal-id');
    fs.rmSync(marker);
    const j = await openLmdbJournal(journalDir(root));
    await j.remove(journalIdKey);
    await j.close();
    await (await open(root)).close();
    expect(fs.existsSync(marker)).toBe(true);
    fs.rmSync(dataFile(root));
    await expect(openStore({ root })).rejects.toMatchObject({ code: 'EJOURNAL' });
  });

  it('refuses an injected journal with a TypeError, touching nothing', async () => {
    const root = tempRoot();
    const j = await openLmdbJournal(path.join(root, 'elsewhere'));
    try {
      await expect(rebuildJournal({ root, journal: j })).rejects.toBeInstanceOf(TypeError);
      expect(fs.readdirSync(root)).toEqual(['elsewhere']);
    } finally {
      await j.close();
    }
  });
});
