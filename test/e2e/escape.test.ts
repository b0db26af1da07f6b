/**
 * Nothing outside the root, ever: a directory inside the root swapped for a symbolic link to an outside directory,
 * between the moment a path is checked and the moment it is written, must not take a write, rename, unlink, link or
 * mkdir outside — in a transaction, in recovery, and under a racer that swaps it back and forth. An outside sentinel
 * directory must stay byte-identical.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../src/fs/node.js';
import { openStore, recover, type Store } from '../../src/index.js';
import { openStoreWith } from '../../src/store/openStore.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A root with `sub/` (holding x.txt) and an outside sentinel directory holding x.txt and y.txt. */
const setup = (): { root: string; outside: string } => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-escape-'));
  dirs.push(base);
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'sub', 'x.txt'), 'inside x');
  fs.writeFileSync(path.join(outside, 'x.txt'), 'outside x');
  fs.writeFileSync(path.join(outside, 'y.txt'), 'outside y');
  return { root, outside };
};

/** Every entry below `dir` with its type and content (a sentinel's picture). */
const picture = (dir: string): string => {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      h.update(`${path.relative(dir, p)}\0${st.mode}\0${st.nlink}\0`);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) h.update(fs.readFileSync(p));
      else if (st.isSymbolicLink()) h.update(fs.readlinkSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
};

/** Swaps `root/sub` for a link to `outside` (the real directory kept aside as `sub.real`). */
const swap = (root: string, outside: string): void => {
  fs.renameSync(path.join(root, 'sub'), path.join(root, 'sub.real'));
  fs.symlinkSync(outside, path.join(root, 'sub'));
};
const unswap = (root: string): void => {
  fs.unlinkSync(path.join(root, 'sub'));
  fs.renameSync(path.join(root, 'sub.real'), path.join(root, 'sub'));
};

const temps = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.txfs-tmp'));

describe('a directory swapped for a link after its paths were checked', () => {
  it.each([
    ['a new file', (s: Store) => s.begin().writeFile('sub/new.txt', 'new')],
    ['a file that exists outside under the same name', (s: Store) => s.begin({ onConcurrentChange: 'overwrite' }).writeFile('sub/x.txt', 'replaced')],
    ['a mkdir', (s: Store) => s.begin().mkdir('sub/made')],
    ['a delete', (s: Store) => s.begin({ onConcurrentChange: 'overwrite' }).delete('sub/x.txt')],
    ['a rename out of it', (s: Store) => s.begin({ onConcurrentChange: 'overwrite' }).rename('sub/x.txt', 'moved.txt')],
  ])('does not let %s land outside the root', async (_what, build) => {
    const { root, outside } = setup();
    const before = picture(outside);
    const store = await openStore({ root });
    stores.push(store);
    const tx = build(store);
    // The paths are noted (checked) when the operations are added; let that finish, then swap.
    await new Promise((r) => setTimeout(r, 20));
    swap(root, outside);
    const err = await tx.commit().then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'EOUTSIDE' });
    expect((err as Error).message).toMatch(/symbolic link leading to .*outside the store's root/);
    expect(picture(outside)).toBe(before);
    unswap(root);
    expect(temps(root)).toEqual([]);
    expect(fs.readFileSync(path.join(root, 'sub', 'x.txt'), 'utf8')).toBe('inside x');
  });

  it('the sentinel check catches a store that follows the link (an injected FileSystem, used as it is)', async () => {
    const { root, outside } = setup();
    const before = picture(outside);
    const store = await openStore({ root, fs: nodeFileSystem });
    stores.push(store);
    const tx = store.begin().writeFile('sub/new.txt', 'new');
    await new Promise((r) => setTimeout(r, 20));
    swap(root, outside);
    await tx.commit().catch(() => undefined);
    expect(picture(outside)).not.toBe(before);
    expect(fs.readFileSync(path.join(outside, 'new.txt'), 'utf8')).toBe('new');
  });

  it('recovery does not follow it either: it reports what it could not finish and finishes it once the directory is back', async () => {
    const { root, outside } = setup();
    const before = picture(outside);
    // A failure right after the commit point leaves the transaction committing, for recovery to roll forward.
    let failApply = true;
    const store = await openStoreWith({ root }, {
      steps: (s) => ({ ...s, apply: async (ctx, ops) => (failApply ? Promise.reject(new Error('power cut')) : s.apply(ctx, ops)) }),
    });
    stores.push(store);
    await expect(store.begin().writeFile('sub/x.txt', 'rolled forward').writeFile('sub/new.txt', 'new').commit()).rejects.toThrow('power cut');
    failApply = false;
    swap(root, outside);
    const report = await recover(store);
    expect(report.rolledForward).toEqual([]);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ code: 'EOUTSIDE' });
    expect(report.problems[0]?.message).not.toMatch(/put back as it was before/);
    expect(picture(outside)).toBe(before);
    unswap(root);
    const again = await recover(store);
    expect(again.problems).toEqual([]);
    expect(again.rolledForward).toHaveLength(1);
    expect(fs.readFileSync(path.join(root, 'sub', 'x.txt'), 'utf8')).toBe('rolled forward');
    expect(fs.readFileSync(path.join(root, 'sub', 'new.txt'), 'utf8')).toBe('new');
    expect(temps(root)).toEqual([]);
  });

  it('a directory the store has used, then moved out of the root and replaced: later writes go to the new one, never to the moved one', async () => {
    const { root, outside } = setup();
    const store = await openStore({ root });
    stores.push(store);
    // Used once (its handle may be kept for the next call), then moved outside on the same filesystem.
    await store.writeFile('sub/a.txt', 'first');
    await store.transaction((tx) => void tx.writeFile('sub/x.txt', 'second'));
    const moved = path.join(outside, 'sub');
    fs.renameSync(path.join(root, 'sub'), moved);
    const before = picture(outside);
    fs.mkdirSync(path.join(root, 'sub'));
    await store.writeFile('sub/b.txt', 'third');
    await store.transaction((tx) => void tx.writeFile('sub/c.txt', 'fourth').mkdir('sub/d'));
    await expect(store.writeFile('sub/a.txt', 'fifth')).resolves.toMatchObject({ status: 'written' });
    expect(picture(outside)).toBe(before);
    expect(fs.readdirSync(path.join(root, 'sub')).sort()).toEqual(['a.txt', 'b.txt', 'c.txt', 'd']);
    expect(fs.readFileSync(path.join(root, 'sub', 'a.txt'), 'utf8')).toBe('fifth');
    expect(fs.readdirSync(moved).sort()).toEqual(['a.txt', 'x.txt']);
    expect(temps(root)).toEqual([]);
  });

  it('three directories deep, all kept: one moved out of the root and replaced, or swapped for a link, takes no later write', async () => {
    const { root, outside } = setup();
    fs.mkdirSync(path.join(root, 'sub', 'deep', 'er'), { recursive: true });
    const store = await openStore({ root });
    stores.push(store);
    // Used twice: every directory on the way is kept, and the second call finds them all (looked at at once).
    await store.writeFile('sub/deep/er/a.txt', 'first');
    await store.writeFile('sub/deep/er/a.txt', 'second');
    // The middle one moved outside on the same filesystem, a new one made in its place.
    const moved = path.join(outside, 'deep');
    fs.renameSync(path.join(root, 'sub', 'deep'), moved);
    fs.mkdirSync(path.join(root, 'sub', 'deep', 'er'), { recursive: true });
    const before = picture(outside);
    await store.writeFile('sub/deep/er/b.txt', 'third');
    await store.transaction((tx) => void tx.writeFile('sub/deep/er/c.txt', 'fourth'));
    expect(picture(outside)).toBe(before);
    expect(fs.readdirSync(path.join(root, 'sub', 'deep', 'er')).sort()).toEqual(['b.txt', 'c.txt']);
    // Kept again, then the top one swapped for a link to a look-alike outside.
    await store.writeFile('sub/deep/er/d.txt', 'fifth');
    swap(root, outside);
    const swapped = picture(outside);
    await expect(store.writeFile('sub/deep/er/e.txt', 'sixth')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    expect(picture(outside)).toBe(swapped);
    unswap(root);
    expect(fs.readdirSync(path.join(root, 'sub', 'deep', 'er')).sort()).toEqual(['b.txt', 'c.txt', 'd.txt']);
    expect(temps(root)).toEqual([]);
  });

  it('closes the directory handles it kept when the store closes, and keeps them again once reopened', async () => {
    const { root } = setup();
    fs.mkdirSync(path.join(root, 'sub', 'deep', 'er'), { recursive: true });
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    const store = await openStore({ root });
    for (let i = 0; i < 3; i++) await store.transaction((tx) => void tx.writeFile(`sub/k${i}.txt`, `k${i}`).writeFile(`sub/deep/er/k${i}.txt`, `d${i}`));
    // Held between calls: at least `sub`, `sub/deep`, `sub/deep/er` and the state directory's.
    expect(fds()).toBeGreaterThan(before + 3);
    await store.close();
    expect(fds()).toBe(before);
    const again = await openStore({ root });
    stores.push(again);
    await again.writeFile('sub/k0.txt', 'again');
    expect(fs.readFileSync(path.join(root, 'sub', 'k0.txt'), 'utf8')).toBe('again');
  });

  it('under a racer swapping the directory back and forth for a few seconds, nothing lands outside', async () => {
    const { root, outside } = setup();
    const before = picture(outside);
    const store = await openStore({ root, lockTimeoutMs: 2000 });
    stores.push(store);
    // The racer: a separate process, so the swaps really interleave with the store's calls. It stops by itself.
    const racer = spawn(process.execPath, ['-e', `
      const fs = require('node:fs'); const path = require('node:path');
      const [root, outside, ms] = process.argv.slice(1); const sub = path.join(root, 'sub'); const real = path.join(root, 'sub.real');
      const end = Date.now() + Number(ms); let swaps = 0;
      while (Date.now() < end) {
        try { fs.renameSync(sub, real); fs.symlinkSync(outside, sub); swaps++; } catch {}
        const t = Date.now() + Math.random() * 2; while (Date.now() < t) {}
        try { fs.unlinkSync(sub); fs.renameSync(real, sub); } catch {}
        const u = Date.now() + Math.random() * 2; while (Date.now() < u) {}
      }
      try { fs.lstatSync(real); try { fs.unlinkSync(sub); } catch {} fs.renameSync(real, sub); } catch {}
      process.stdout.write(String(swaps));
    `, root, outside, '3000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let swaps = '';
    racer.stdout.on('data', (d: Buffer) => (swaps += d.toString()));
    const exited = new Promise<void>((r) => racer.once('exit', () => r()));
    let running = true;
    void exited.then(() => (running = false));
    const outcomes = { committed: 0, refused: 0 };
    const codes = new Set<string>();
    for (let i = 0; running; i++) {
      const tx = store.begin({ onConcurrentChange: 'overwrite' }).writeFile(`sub/f${i % 7}.txt`, `v${i}`).writeFile(`top${i % 3}.txt`, `t${i}`);
      if (i % 5 === 0) tx.mkdir(`sub/d${i}`);
      await tx.commit().then(
        () => outcomes.committed++,
        (e: unknown) => {
          outcomes.refused++;
          codes.add((e as { code?: string }).code ?? 'none');
        },
      );
    }
    await exited;
    console.log(`race: ${Number(swaps)} swaps, ${outcomes.committed} transactions committed, ${outcomes.refused} refused (${[...codes].sort().join(', ')})`);
    expect(Number(swaps)).toBeGreaterThan(10);
    expect(outcomes.committed + outcomes.refused).toBeGreaterThan(10);
    expect(picture(outside)).toBe(before);
    // Once the racer is gone the store finishes whatever it left: nothing open, openable, nothing outside. The one window
    // left (README "Safety"): a roll-back that ran while the racer had the directory moved away (not yet replaced by
    // the link) found its temp "gone" (ENOENT) and finished; that temp, a txfs name, stayed in the moved directory.
    const after = await recover(store);
    expect(after.problems).toEqual([]);
    expect((await store.status()).openTransactions).toEqual([]);
    const litter = temps(root);
    console.log(`race: ${litter.length} temp file(s) left in the directory the racer moved`);
    expect(litter.every((t) => t.startsWith(`sub${path.sep}.`) && /\.txfs-tmp$/.test(t))).toBe(true);
    expect(litter.length).toBeLessThanOrEqual(outcomes.refused);
  });
});
