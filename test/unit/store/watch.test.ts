import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../src/fs/node.js';
import type { ExternalChange } from '../../../src/types.js';
import { watchStore } from '../../../src/store/watch.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('watchStore', () => {
  let root: string;
  let manifest: Map<string, string>;

  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-watch-')));
    fs.mkdirSync(path.join(root, 'sub'));
    fs.writeFileSync(path.join(root, 'a.txt'), 'alpha');
    fs.writeFileSync(path.join(root, 'sub/b.txt'), 'beta');
    fs.writeFileSync(path.join(root, 'untracked.txt'), 'free');
    manifest = new Map([
      ['a.txt', sha('alpha')],
      ['sub/b.txt', sha('beta')],
    ]);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const start = (paths?: string[]) => {
    const it = watchStore({ root, fs: nodeFileSystem, manifest: async () => manifest, settleMs: 20, ...(paths === undefined ? {} : { paths }) })[
      Symbol.asyncIterator
    ]();
    return it;
  };

  it('reports a file modified behind its back, with the recorded and the actual checksum', async () => {
    const it = start();
    try {
      const next = it.next();
      fs.writeFileSync(path.join(root, 'untracked.txt'), 'ignored: not in the manifest');
      fs.writeFileSync(path.join(root, 'sub/b.txt'), 'BETA');
      const r = await next;
      expect(r.value).toEqual<ExternalChange>({ path: 'sub/b.txt', kind: 'modified', expected: sha('beta'), actual: sha('BETA') });
    } finally {
      await it.return?.();
    }
  });

  it('reports a deleted file, and stops when returned even while waiting', async () => {
    const it = start(['a.txt']);
    const next = it.next();
    fs.rmSync(path.join(root, 'a.txt'));
    expect((await next).value).toEqual({ path: 'a.txt', kind: 'deleted', expected: sha('alpha') });
    const waiting = it.next();
    await it.return?.();
    expect((await waiting).done).toBe(true);
  });

  it('reports a file that already differs when the watch starts, once', async () => {
    fs.writeFileSync(path.join(root, 'a.txt'), 'changed before');
    const it = start();
    try {
      expect((await it.next()).value).toMatchObject({ path: 'a.txt', kind: 'modified', actual: sha('changed before') });
      // The same content again is not a new report; a further change is.
      fs.writeFileSync(path.join(root, 'a.txt'), 'changed before');
      fs.writeFileSync(path.join(root, 'a.txt'), 'changed again');
      expect((await it.next()).value).toMatchObject({ path: 'a.txt', actual: sha('changed again') });
    } finally {
      await it.return?.();
    }
  });

  it('says nothing when the manifest already records the new content (a write by txfs itself)', async () => {
    const it = start();
    try {
      const next = it.next();
      manifest.set('a.txt', sha('by txfs'));
      fs.writeFileSync(path.join(root, 'a.txt'), 'by txfs');
      fs.writeFileSync(path.join(root, 'sub/b.txt'), 'by someone else');
      expect((await next).value).toMatchObject({ path: 'sub/b.txt' });
    } finally {
      await it.return?.();
    }
  });
});
