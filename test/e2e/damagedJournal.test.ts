/**
 * A damaged LMDB data file or an unwritable journal file is EJOURNAL with what to do, and the process lives on.
 * Each case is shown both ways on the same files: a child process that opens them with the pre-open checks blinded
 * (LMDB maps the real files unchecked) dies with SIGSEGV or SIGBUS; the real open, in this process, is EJOURNAL —
 * and so are openStore and the CLI's commands on a store whose journal is damaged.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.js';
import { openLmdbJournal } from '../../src/journal/lmdb.js';
import { runTxfs } from './cli/harness.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'children', 'openJournal.ts');

/** Runs the child on `dir` and resolves with how it ended. */
const runChild = (dir: string, mode: 'blind' | 'checked'): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir, mode], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout }));
  });

const scratch: string[] = [];
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-damaged-')));
  scratch.push(d);
  return d;
};

const chattr = (flag: string, file: string): boolean => spawnSync('chattr', [flag, file]).status === 0;
/** Whether `chattr +i` works here (root on a filesystem with inode flags). */
const canChattr = ((): boolean => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-chattr-'));
  const f = path.join(d, 'f');
  fs.writeFileSync(f, '');
  const ok = chattr('+i', f);
  if (ok) chattr('-i', f);
  fs.rmSync(d, { recursive: true, force: true });
  return ok;
})();
const withFlag = (flag: '+i' | '+a', file: string): void => {
  if (!chattr(flag, file)) throw new Error(`chattr ${flag} ${file} failed`);
  undo.push(() => chattr(flag.replace('+', '-'), file));
};

/** A journal holding some records: small ones, and values of several pages (overflow pages). */
const makeJournal = async (dir: string): Promise<void> => {
  const journal = await openLmdbJournal(dir);
  await journal.transact((txn) => {
    for (let i = 0; i < 300; i++) txn.put(`tx/${String(i).padStart(4, '0')}`, { n: i, pad: 'x'.repeat(i % 7 === 0 ? 9000 : 200) });
  });
  await journal.close();
};

/** Deterministic bytes that are not LMDB's. */
const noise = (n: number): Buffer => {
  const out = Buffer.alloc(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
};

interface Damage {
  readonly name: string;
  readonly chattr?: boolean;
  /** LMDB survives this one unchecked (the cut part of the page reads as zeros): it is damage all the same. */
  readonly survivable?: boolean;
  /** What the message tells the user to do. */
  readonly advice: RegExp;
  /** The file the error names. */
  readonly file: 'data.mdb' | 'lock.mdb';
  readonly apply: (dir: string) => void;
}

const data = (dir: string): string => path.join(dir, 'data.mdb');
const rebuild = /txfs recover --rebuild/;
const unlock = /chattr -i/;

const damages: readonly Damage[] = [
  { name: 'data.mdb cut to half its length', file: 'data.mdb', advice: rebuild, apply: (d) => fs.truncateSync(data(d), Math.floor(fs.statSync(data(d)).size / 8192) * 4096) },
  { name: 'data.mdb cut in the middle of its last page', file: 'data.mdb', survivable: true, advice: rebuild, apply: (d) => fs.truncateSync(data(d), fs.statSync(data(d)).size - 1000) },
  { name: 'data.mdb cut inside its second meta page', file: 'data.mdb', advice: rebuild, apply: (d) => fs.truncateSync(data(d), 4096 + 100) },
  { name: 'data.mdb cut inside its first meta page', file: 'data.mdb', advice: rebuild, apply: (d) => fs.truncateSync(data(d), 100) },
  { name: 'data.mdb overwritten with text', file: 'data.mdb', advice: rebuild, apply: (d) => fs.writeFileSync(data(d), 'garbage\n'.repeat(fs.statSync(data(d)).size / 8)) },
  { name: 'data.mdb overwritten with random bytes', file: 'data.mdb', advice: rebuild, apply: (d) => fs.writeFileSync(data(d), noise(fs.statSync(data(d)).size)) },
  { name: 'data.mdb zeroed', file: 'data.mdb', advice: rebuild, apply: (d) => fs.writeFileSync(data(d), Buffer.alloc(fs.statSync(data(d)).size)) },
  {
    name: 'data.mdb of another LMDB data format',
    file: 'data.mdb',
    advice: rebuild,
    apply: (d) => {
      const fd = fs.openSync(data(d), 'r+');
      fs.writeSync(fd, Buffer.from([7]), 0, 1, 28);
      fs.closeSync(fd);
    },
  },
  { name: 'lock.mdb a directory', file: 'lock.mdb', advice: rebuild, apply: (d) => {
    fs.rmSync(path.join(d, 'lock.mdb'));
    fs.mkdirSync(path.join(d, 'lock.mdb'));
  } },
  { name: 'lock.mdb immutable (chattr +i)', file: 'lock.mdb', chattr: true, advice: unlock, apply: (d) => withFlag('+i', path.join(d, 'lock.mdb')) },
  { name: 'lock.mdb append-only (chattr +a)', file: 'lock.mdb', chattr: true, advice: /chattr -a/, apply: (d) => withFlag('+a', path.join(d, 'lock.mdb')) },
  { name: 'lock.mdb missing in an immutable journal directory', file: 'lock.mdb', chattr: true, advice: unlock, apply: (d) => {
    fs.rmSync(path.join(d, 'lock.mdb'));
    withFlag('+i', d);
  } },
];

describe('a damaged or unwritable journal is EJOURNAL, never a dead process', () => {
  for (const damage of damages) {
    const unchecked = damage.survivable === true ? 'unchecked, LMDB reads zeros' : 'unchecked, LMDB kills the process';
    it.skipIf(damage.chattr === true && !canChattr)(`${damage.name}: ${unchecked}; checked, EJOURNAL naming ${damage.file}`, async () => {
      const dir = path.join(tempDir(), 'journal');
      await makeJournal(dir);
      damage.apply(dir);
      const before = fs.readFileSync(data(dir));

      const e = await openLmdbJournal(dir).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toMatchObject({ code: 'EJOURNAL', path: path.join(dir, damage.file), message: expect.stringMatching(damage.advice) as string });
      expect(fs.readFileSync(data(dir)).equals(before)).toBe(true);
      // The same open in a child, through the real code, ends the same way; with the checks blinded it dies.
      expect(JSON.parse((await runChild(dir, 'checked')).stdout)).toMatchObject({ code: 'EJOURNAL' });
      const blind = await runChild(dir, 'blind');
      if (damage.survivable === true) expect(blind).toMatchObject({ signal: null, code: 0 });
      else expect({ stdout: blind.stdout, died: ['SIGSEGV', 'SIGBUS'].includes(blind.signal ?? '') }).toEqual({ stdout: '', died: true });
    });
  }

  it('opens a sound journal that a blinded child opens too, and keeps it intact', async () => {
    const dir = path.join(tempDir(), 'journal');
    await makeJournal(dir);
    expect(JSON.parse((await runChild(dir, 'blind')).stdout)).toEqual({ ok: true });
    const journal = await openLmdbJournal(dir);
    try {
      expect((await journal.range('tx/')).length).toBe(300);
      expect(await journal.get('child/probe')).toBe(1);
    } finally {
      await journal.close();
    }
  });

  it('makes openStore and every CLI command on a store with a damaged journal fail with EJOURNAL, exit code 1', async () => {
    const root = tempDir();
    const store = await openStore({ root });
    await store.writeFile('a.txt', 'kept');
    await store.close();
    const dataFile = path.join(root, '.txfs', 'journal', 'data.mdb');
    fs.truncateSync(dataFile, Math.floor(fs.statSync(dataFile).size / 8192) * 4096);

    await expect(openStore({ root })).rejects.toMatchObject({ code: 'EJOURNAL', path: dataFile });
    for (const args of [['status'], ['log'], ['recover'], ['write', 'b.txt', '--from', '-'], ['backups', 'list', 'a.txt']]) {
      const r = await runTxfs(['--root', root, ...args], { input: 'new' });
      expect({ args, signal: r.signal, code: r.code }).toEqual({ args, signal: null, code: 1 });
      expect(r.stderr).toMatch(/EJOURNAL/);
      expect(r.stderr).toMatch(/txfs recover --rebuild/);
    }
    expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('kept');
    expect(fs.existsSync(path.join(root, 'b.txt'))).toBe(false);
  });
});
