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
