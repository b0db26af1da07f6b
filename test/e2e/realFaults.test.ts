/**
 * Real faults, not injected ones: a full tmpfs (ENOSPC), an immutable file (EPERM even for root), an unprivileged
 * process (EACCES) and a read-only mount (EROFS). Each leaves the target byte-identical and no temp file behind.
 * Where the environment refuses a mount or a tool is missing, the test is reported as skipped, with the reason.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TxfsError, writeFileAtomic } from '../../src/index.js';
import { isTempName } from '../../src/ops/tempName.js';
import { SMALL_WRITE_BYTES } from '../../src/fs/node.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
const undo: Array<() => void> = [];
afterAll(() => {
  for (const u of undo.reverse()) {
    try {
      u();
    } catch (e) {
      console.log(`cleanup step failed: ${String(e)}`);
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
});

const run = (cmd: string, args: readonly string[]): { ok: boolean; why: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, why: r.error?.message ?? `${cmd} exited ${r.status ?? r.signal}: ${r.stderr.trim()}` };
};

/** Mounts a small tmpfs at a new directory, or returns why it could not. */
const mountTmpfs = (name: string, size: string): { dir: string } | { why: string } => {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  const r = run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (!r.ok) return { why: r.why };
  undo.push(() => {
    spawnSync('umount', ['-l', dir]);
  });
  return { dir };
};

const failureOf = async (p: Promise<unknown>): Promise<TxfsError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TxfsError);
  return e as TxfsError;
};
const temps = (dir: string): string[] => fs.readdirSync(dir).filter(isTempName);

describe('real faults leave the target as it was', () => {
  it('ENOSPC on a full 64 KiB tmpfs, with a message saying to free space', async ({ skip }) => {
    const m = mountTmpfs('small', '64k');
    if ('why' in m) return skip(`cannot mount a tmpfs here (${m.why})`);
    const target = path.join(m.dir, 'a.json');
    fs.writeFileSync(target, '{"old":true}');
    const e = await failureOf(writeFileAtomic(target, Buffer.alloc(256 * 1024, 'n')));
    expect(e.code).toBe('ENOSPC');
    expect(e.message).toMatch(/free some space/);
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(fs.readFileSync(target, 'utf8')).toBe('{"old":true}');
    expect(temps(m.dir)).toEqual([]);
    // The space of the failed temp file is given back: a small write still fits.
    await writeFileAtomic(target, '{"new":true}');
    expect(fs.readFileSync(target, 'utf8')).toBe('{"new":true}');
  });

  it('ENOSPC from a small write (one done at once on the event loop) on a nearly full tmpfs: the target as it was, no temp', async ({ skip }) => {
    const m = mountTmpfs('nearlyfull', '64k');
    if ('why' in m) return skip(`cannot mount a tmpfs here (${m.why})`);
    const target = path.join(m.dir, 'small.json');
    fs.writeFileSync(target, '{"old":true}');
    // Fill the rest, a page at a time, until the disk refuses one: less than a page is left.
    const fd = fs.openSync(path.join(m.dir, 'filler'), 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096, 'f'));
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    const e = await failureOf(writeFileAtomic(target, Buffer.alloc(SMALL_WRITE_BYTES, 's')));
    expect(e.code).toBe('ENOSPC');
    expect(e.syscall).toBe('write');
    expect(e.message).toMatch(/free some space/);
    expect(fs.readFileSync(target, 'utf8')).toBe('{"old":true}');
    expect(temps(m.dir)).toEqual([]);
  });

  it('EROFS on a tmpfs remounted read-only, with a message about the read-only filesystem', async ({ skip }) => {
    const m = mountTmpfs('ro', '1m');
    if ('why' in m) return skip(`cannot mount a tmpfs here (${m.why})`);
    const target = path.join(m.dir, 'conf.txt');
    fs.writeFileSync(target, 'old');
    const r = run('mount', ['-o', 'remount,ro', m.dir]);
    if (!r.ok) return skip(`cannot remount read-only (${r.why})`);
    const e = await failureOf(writeFileAtomic(target, 'new'));
    expect(e.code).toBe('EROFS');
    expect(e.message).toMatch(/read-only/);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(temps(m.dir)).toEqual([]);
  });

  it('EPERM replacing an immutable file (chattr +i), even as root', async ({ skip }) => {
    const dir = path.join(root, 'immutable');
    fs.mkdirSync(dir);
    const target = path.join(dir, 'locked.txt');
    fs.writeFileSync(target, 'keep me');
    const r = run('chattr', ['+i', target]);
    if (!r.ok) return skip(`chattr +i is not available here (${r.why})`);
    undo.push(() => {
      spawnSync('chattr', ['-i', target]);
    });
    const e = await failureOf(writeFileAtomic(target, 'replaced', { backup: true }));
    expect(e.code).toBe('EPERM');
    expect(e.message).toMatch(/not permitted/);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');
    expect(temps(dir)).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual(['locked.txt']);
  });

  it.skipIf(process.getuid?.() !== 0)('EACCES for an unprivileged process writing into a directory it may not write (needs root, to start a child as another user)', async ({ skip }) => {
    const dir = path.join(root, 'guarded');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(root, 0o755);
    const target = path.join(dir, 'owned-by-root.txt');
    fs.writeFileSync(target, 'root data', { mode: 0o644 });
    const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/index.ts');
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(entry)};
      try { await writeFileAtomic(${JSON.stringify(target)}, 'intruder'); console.log(JSON.stringify({ ok: true })); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, isTxfs: e.name === 'TxfsError' })); }`;
    const child = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: path.dirname(entry),
    });
    if (child.error !== undefined || (child.status !== 0 && child.stdout.trim() === '')) {
      return skip(`cannot start a child with setpriv (${child.error?.message ?? child.stderr.trim().slice(0, 300)})`);
    }
    const out = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { ok?: boolean; code?: string; message?: string; isTxfs?: boolean };
    expect(out).toMatchObject({ code: 'EACCES', isTxfs: true });
    expect(out.message).toMatch(/permission denied/);
    expect(fs.readFileSync(target, 'utf8')).toBe('root data');
    expect(temps(dir)).toEqual([]);
  });
});
