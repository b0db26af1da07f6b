/**
 * Child of test/e2e/lostUpdates.test.ts: forever, picks one of four files under k/, reads it, and commits one
 * transaction that expects it unchanged (by its SHA-256) and writes it back with the tag `<name>.<i>` appended on a
 * line of its own. Prints "ack <file> <tag>" once the commit resolved, "fail <code>" when it was refused.
 */
import { openStore } from '../../../src/store/openStore.js';
import { TxfsError } from '../../../src/errors.js';
import { sha256Of } from '../../../src/integrity/sha256.js';

const [root, name] = process.argv.slice(2);
if (root === undefined || name === undefined) throw new Error('usage: rmwWriter <root> <name>');
const store = await openStore({ root, lockTimeoutMs: 5000 });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const file = `k/${'abcd'[i % 4] ?? 'a'}`;
  const tag = `${name}.${i}`;
  try {
    const current = await store.readFile(file);
    await store.transaction((tx) => {
      tx.expect(file, { sha256: sha256Of(current) }).writeFile(file, `${current.toString('utf8')}${tag}\n`);
    });
    process.stdout.write(`ack ${file} ${tag}\n`);
  } catch (e) {
    if (!(e instanceof TxfsError)) throw e;
    process.stdout.write(`fail ${e.code}\n`);
  }
}
