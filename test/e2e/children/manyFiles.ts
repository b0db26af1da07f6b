/**
 * Child process of the open-file-limit test: in the store at argv[2], commits three transactions of argv[3] files
 * each — new files `f<i>.txt`; the same files replaced (each backed up); and `g<i>.txt`, files the test made outside
 * the store, replaced (each hashed when added, then backed up) — and prints "committed <n> <n> <n>" with the files
 * each reported. A refusal prints "failed <code> <message>" and exits 1.
 */
import { TxfsError } from '../../../src/errors.js';
import { openStore } from '../../../src/store/openStore.js';

const [root, countText] = process.argv.slice(2);
if (root === undefined || countText === undefined) throw new TypeError('usage: manyFiles.ts <root> <count>');
const count = Number(countText);
const store = await openStore({ root });
const writeAll = (name: (i: number) => string, content: string): Promise<number> =>
  store
    .transaction((tx) => {
      for (let i = 0; i < count; i++) tx.writeFile(name(i), `${content} ${i}`);
    })
    .then((r) => r.files.length);
try {
  const created = await writeAll((i) => `f${i}.txt`, 'one');
  const replaced = await writeAll((i) => `f${i}.txt`, 'two');
  const foreign = await writeAll((i) => `g${i}.txt`, 'ours');
  process.stdout.write(`committed ${created} ${replaced} ${foreign}\n`);
} catch (e) {
  process.stdout.write(`failed ${e instanceof TxfsError ? `${e.code} ${e.message}` : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await store.close();
}
