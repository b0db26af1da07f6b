import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, describe, expect, it } from 'vitest';
import * as fp from '../../src/fp.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

describe('txfs/fp', () => {
  it('offers the store operations as TaskEithers: Right on success, Left(TxfsError) on failure', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    roots.push(root);
    const program = pipe(
      fp.openStore({ root }),
      TE.chain((store) =>
        pipe(
          fp.writeFile(store, 'a.txt', 'hello'),
          TE.chain(() => fp.transaction(store, (tx) => void tx.writeFile('b.txt', 'world'))),
          TE.chain(() => fp.readFile(store, 'b.txt', { encoding: 'utf8', verify: true })),
          TE.chainFirst(() => fp.close(store)),
        ),
      ),
    );
    expect(await program()).toEqual(E.right('world'));
    const outside = await TE.bracket(
      fp.openStore({ root }),
      (store) => fp.writeFile(store, '../escape.txt', 'x'),
      (store) => fp.close(store),
    )();
    expect(E.isLeft(outside) && outside.left.code).toBe('EOUTSIDE');
    const missing = await fp.openStore({ root: path.join(root, 'nope') })();
    expect(E.isLeft(missing) && missing.left.code).toBe('ENOENT');
  });
});

describe('txfs/fp is complete and keeps a caller\'s TypeError a TypeError', () => {
  it('offers begin/commit/rollback, backups.*, watch and the single-file functions', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    roots.push(root);
    const store = await fp.openStore({ root })();
    if (E.isLeft(store)) throw store.left;
    const s = store.right;
    const tx = await fp.begin(s)();
    if (E.isLeft(tx)) throw tx.left;
    tx.right.writeFile('a.txt', 'v1');
    expect(E.isRight(await fp.commit(tx.right)())).toBe(true);
    expect(E.isRight(await fp.writeFile(s, 'a.txt', 'v2')())).toBe(true);
    const listed = await fp.backups.list(s, 'a.txt')();
    expect(E.isRight(listed) && listed.right.length).toBe(1);
    expect(E.isRight(await fp.backups.restore(s, 'a.txt')())).toBe(true);
    expect(fs.readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('v1');
    const more: Array<() => Promise<E.Either<unknown, unknown>>> = [fp.backups.verify(s), fp.backups.usage(s), fp.backups.prune(s), fp.backups.create(s, 'a.txt')];
    for (const t of more) expect(E.isRight(await t())).toBe(true);
    const watched = fp.watch(s, undefined, 1)();
    await new Promise((r) => setTimeout(r, 300));
    fs.writeFileSync(path.join(root, 'a.txt'), 'behind its back');
    const changes = await watched;
    expect(E.isRight(changes) && changes.right.map((c) => [c.path, c.kind])).toEqual([['a.txt', 'modified']]);
    const other = await fp.begin(s)();
    if (E.isLeft(other)) throw other.left;
    expect(E.isRight(await fp.rollback(other.right)())).toBe(true);
    expect(E.isRight(await fp.writeFileAtomic(path.join(root, 'b.txt'), 'b')())).toBe(true);
    const sum = await fp.sha256File(path.join(root, 'b.txt'))();
    expect(E.isRight(sum) && sum.right).toBe('3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d');
    expect(E.isLeft(await fp.verifyChecksumFile(path.join(root, 'b.txt'))())).toBe(true);
    await fp.close(s)();
  });

  it('rejects with the TypeError of a wrong argument instead of turning it into a Left', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    roots.push(root);
    await expect(fp.openStore({ root: 42 } as unknown as { root: string })()).rejects.toBeInstanceOf(TypeError);
    const store = await fp.openStore({ root })();
    if (E.isLeft(store)) throw store.left;
    await expect(fp.writeFile(store.right, 'a.txt', 'x', { mode: 'rw' } as unknown as { mode: number })()).rejects.toBeInstanceOf(TypeError);
    await expect(fp.begin(store.right, { label: 42 } as unknown as { label: string })()).rejects.toBeInstanceOf(TypeError);
    await fp.close(store.right)();
  });
});
