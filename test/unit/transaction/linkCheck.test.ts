import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommitTuning } from '../../../src/transaction/tuning.js';
import { codeOf, makeFixture, type Fixture } from './storeFixture.js';

const fixtures: Fixture[] = [];
const outsides: string[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.done();
  for (const o of outsides.splice(0)) fs.rmSync(o, { recursive: true, force: true });
});

/** A store whose root holds links leading out (at the last component and at a directory) and one leading inside. */
const setup = async (tuning: CommitTuning): Promise<{ f: Fixture; outside: string }> => {
  const f = await makeFixture({ 'a.txt': 'old', 'real.txt': 'real', 'd/x.txt': 'x' }, {}, { tuning });
  fixtures.push(f);
  const outside = fs.mkdtempSync(path.join(path.dirname(f.root), 'txfs-out-'));
  outsides.push(outside);
  fs.writeFileSync(path.join(outside, 'victim.txt'), 'victim');
  fs.symlinkSync(path.join(outside, 'victim.txt'), path.join(f.root, 'out-file.txt'));
  fs.symlinkSync(outside, path.join(f.root, 'out-dir'));
  fs.symlinkSync(outside, path.join(f.root, 'd', 'up'));
  fs.symlinkSync(path.join(f.root, '.txfs'), path.join(f.root, 'state'));
  fs.symlinkSync(path.join(outside, 'missing.txt'), path.join(f.root, 'dangling.txt'));
  fs.symlinkSync(path.join(f.root, 'real.txt'), path.join(f.root, 'alias.txt'));
  return { f, outside };
};

const tunings: ReadonlyArray<readonly [string, CommitTuning]> = [
  ['one realpath per directory', { realpathPerDirectory: true }],
  ['one realpath per path', { realpathPerDirectory: false }],
];

describe.each(tunings)('the link check with %s', (_name, tuning) => {
  it('refuses a symbolic link leading out at the last component or at any directory, among paths of one directory', async () => {
    const { f, outside } = await setup(tuning);
    for (const p of ['out-file.txt', 'out-dir', 'out-dir/new.txt', 'd/up/new.txt', 'd/up/deeper/new.txt', 'state', 'state/journal/x']) {
      // Several paths of the root and of `d` noted together: they share their directory's realpath.
      const code = await codeOf(f.store.transaction((tx) => void tx.writeFile('a.txt', 'new').writeFile('d/y.txt', 'y').writeFile(p, 'evil').writeFile('b.txt', 'b')));
      expect(code, p).toBe('EOUTSIDE');
    }
    expect(fs.readdirSync(outside).sort()).toEqual(['victim.txt']);
    expect(fs.readFileSync(path.join(outside, 'victim.txt'), 'utf8')).toBe('victim');
    expect(f.read('a.txt')).toBe('old');
    expect(f.temps()).toEqual([]);
  });

  it('treats a dangling link and a link leading inside as before (not refused as leading out)', async () => {
    const { f } = await setup(tuning);
    for (const p of ['dangling.txt', 'alias.txt']) {
      expect(await codeOf(f.store.transaction((tx) => void tx.writeFile('a.txt', 'new').writeFile(p, 'z'))), p).not.toBe('EOUTSIDE');
    }
    const r = await f.store.transaction((tx) => void tx.writeFile('a.txt', 'new').writeFile('d/x.txt', 'x2').writeFile('d/new.txt', 'n'));
    expect(r.status).toBe('committed');
    expect([f.read('a.txt'), f.read('d/x.txt'), f.read('d/new.txt')]).toEqual(['new', 'x2', 'n']);
  });

  it('resolves a directory afresh for a path noted later: a directory turned into a link leading out is refused', async () => {
    const { f, outside } = await setup(tuning);
    fs.mkdirSync(path.join(f.root, 'e'));
    const tx = f.store.begin();
    tx.writeFile('e/one.txt', '1');
    await new Promise((r) => setTimeout(r, 20));
    fs.renameSync(path.join(f.root, 'e'), path.join(f.root, 'e-moved'));
    fs.symlinkSync(outside, path.join(f.root, 'e'));
    tx.writeFile('e/two.txt', '2');
    expect(await codeOf(tx.commit())).toBe('EOUTSIDE');
    expect(fs.readdirSync(outside).sort()).toEqual(['victim.txt']);
  });
});
