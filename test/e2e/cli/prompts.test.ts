import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, removeDir, runJson, tempDir } from './harness.js';
import { openTerminal, type Terminal } from './tmux.js';

/** The interactive prompts, driven on a real pseudo-terminal (tmux). */
describe('txfs prompts on a terminal', () => {
  let root: string;
  let terminals: Terminal[];
  const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');

  /** Starts `txfs --root root args…` on a terminal. */
  const term = (...args: string[]): Terminal => {
    const t = openTerminal([...cliCommand(), '--root', root, ...args], root, { NO_COLOR: '1' });
    terminals.push(t);
    return t;
  };

  const conflicting = ['o.txt', 's.txt', 'r.txt', 'k.txt', 'c.txt', 'm1.txt', 'm2.txt', 'm3.txt'];

  /** The new version of `file`, staged in `incoming/`. */
  const incoming = (file: string): string => path.join(root, 'incoming', file);

  const answer = async (file: string, downs: number): Promise<number> => {
    const source = incoming(file);
    const t = term('write', file, '--from', source, '--on-exists', 'ask');
    const screen = await t.waitFor(`What should txfs do with ${file}?`);
    expect(screen).toContain(`Conflict: ${file} already exists`);
    expect(screen).toMatch(new RegExp(`existing\\s+${`old ${file}`.length} B, modified \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d`));
    expect(screen).toMatch(new RegExp(`new\\s+${`new ${file}, longer`.length} B, modified .* \\(from ${source.replace(/[.()]/g, '\\$&')}\\)`));
    for (const c of ['Overwrite', 'Skip', 'Rename', 'Keep both', 'Cancel']) expect(screen).toContain(c);
    for (let i = 0; i < downs; i++) t.keys('Down');
    t.keys('Enter');
    return t.exitCode();
  };

  beforeAll(async () => {
    root = tempDir();
    terminals = [];
    // One transaction writes the old version of every file (so the store knows them); the new ones wait in incoming/.
    fs.mkdirSync(path.join(root, 'seed'));
    fs.mkdirSync(path.join(root, 'incoming'));
    for (const f of conflicting) {
      fs.writeFileSync(path.join(root, 'seed', f), `old ${f}`);
      fs.writeFileSync(incoming(f), `new ${f}, longer`);
    }
    fs.writeFileSync(path.join(root, 'seed', 'p.txt'), 'v1');
    await runJson(root, ['write', ...conflicting, 'p.txt', '--from', path.join(root, 'seed')]);
  });
  afterAll(() => {
    for (const t of terminals) t.close();
    removeDir(root);
  });

  it('Overwrite replaces the file', async () => {
    expect(await answer('o.txt', 0)).toBe(0);
    expect(read('o.txt')).toBe('new o.txt, longer');
  });

  it('Skip leaves it', async () => {
    expect(await answer('s.txt', 1)).toBe(0);
    expect(read('s.txt')).toBe('old s.txt');
  });

  it('Rename writes the new file under a free name', async () => {
    expect(await answer('r.txt', 2)).toBe(0);
    expect(read('r.txt')).toBe('old r.txt');
    expect(read('r (1).txt')).toBe('new r.txt, longer');
  });

  it('Keep both writes the new file beside it', async () => {
    expect(await answer('k.txt', 3)).toBe(0);
    expect(read('k.txt')).toBe('old k.txt');
    const beside = fs.readdirSync(root).filter((n) => n.startsWith('k (conflict '));
    expect(beside).toHaveLength(1);
    expect(read(beside[0]!)).toBe('new k.txt, longer');
  });

  it('Cancel writes nothing and exits 3', async () => {
    expect(await answer('c.txt', 4)).toBe(3);
    expect(read('c.txt')).toBe('old c.txt');
  });

  it('Ctrl-C at the prompt writes nothing and exits 3', async () => {
    const t = term('write', 'c.txt', '--from', incoming('c.txt'), '--on-exists', 'ask');
    await t.waitFor('What should txfs do with c.txt?');
    t.keys('C-c');
    expect(await t.exitCode()).toBe(3);
    expect(t.screen()).toContain('txfs: stopped: cancelled at the prompt: nothing was changed');
    expect(read('c.txt')).toBe('old c.txt');
    expect(fs.readdirSync(root).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
  });

  it('Ctrl-D (end of input) at the prompt writes nothing and exits 3', async () => {
    const t = term('write', 'c.txt', '--from', incoming('c.txt'), '--on-exists', 'ask');
    await t.waitFor('What should txfs do with c.txt?');
    t.keys('C-d');
    expect(await t.exitCode()).toBe(3);
    expect(t.screen()).toContain('txfs: stopped: cancelled at the prompt: nothing was changed');
    expect(read('c.txt')).toBe('old c.txt');
    expect(fs.readdirSync(root).filter((n) => n.endsWith('.txfs-tmp'))).toEqual([]);
  });

  it('Ctrl-D at the "apply to all" question and at the restore confirmation declines with exit 3', async () => {
    const files = ['m1.txt', 'm2.txt'];
    const t = term('write', ...files, '--from', path.join(root, 'incoming'), '--on-exists', 'ask');
    await t.waitFor(/What should txfs do with m\d\.txt\?/);
    t.keys('Enter');
    await t.waitFor('Apply "Overwrite" to all remaining conflicts?');
    t.keys('C-d');
    expect(await t.exitCode()).toBe(3);
    for (const f of files) expect(read(f)).toBe(`old ${f}`);

    for (const v of ['q1', 'q2']) await runJson(root, ['write', 'q.txt'], 0, { input: v });
    const restore = term('backups', 'restore', 'q.txt');
    await restore.waitFor('Which version of q.txt should be restored?');
    restore.keys('Enter');
    await restore.waitFor('Restore q.txt from the backup of');
    restore.keys('C-d');
    expect(await restore.exitCode()).toBe(3);
    expect(read('q.txt')).toBe('q2');
  });

  it('applies one answer to all conflicting files when asked to', async () => {
    const files = ['m1.txt', 'm2.txt', 'm3.txt'];
    const t = term('write', ...files, '--from', path.join(root, 'incoming'), '--on-exists', 'ask');
    await t.waitFor(/What should txfs do with m\d\.txt\?/);
    t.keys('Down', 'Enter');
    await t.waitFor('Apply "Skip" to all remaining conflicts?');
    t.keys('y', 'Enter');
    expect(await t.exitCode()).toBe(0);
    expect(t.screen().match(/What should txfs do with/g)).toHaveLength(1);
    for (const f of files) expect(read(f)).toBe(`old ${f}`);
  });

  it('offers a pick list of backups, restores the chosen one after confirmation, and exits 3 when declined', async () => {
    for (const v of ['v2', 'v3']) await runJson(root, ['write', 'p.txt'], 0, { input: v });

    const t = term('backups', 'restore', 'p.txt');
    const screen = await t.waitFor('Which version of p.txt should be restored?');
    // One line per backup (time, size, transaction), newest first, then Cancel.
    expect(screen).toMatch(/❯ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+2 B\s+tx \S+\n\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+2 B\s+tx \S+\n\s+Cancel/);
    t.keys('Down', 'Enter');
    await t.waitFor('Restore p.txt from the backup of');
    t.keys('Enter');
    expect(await t.exitCode()).toBe(0);
    expect(read('p.txt')).toBe('v1');

    const declined = term('backups', 'restore', 'p.txt');
    await declined.waitFor('Which version of p.txt should be restored?');
    declined.keys('Enter');
    await declined.waitFor('Restore p.txt from the backup of');
    declined.keys('n', 'Enter');
    expect(await declined.exitCode()).toBe(3);
    expect(read('p.txt')).toBe('v1');
  });
});
