/**
 * Child process of test/e2e/ridingFinish.test.ts: opens the store at argv[2], writes `a.txt` twice (v1, then v2) and
 * `b.txt` once, then prints what the last write's finish still waits for and SIGKILLs itself at once: the last
 * transaction resolved (its changes durable), its finish record still held to ride on a commit that never comes.
 */
import { openStore, storeContextOf } from '../../../src/store/openStore.js';

const root = process.argv[2];
if (root === undefined) throw new TypeError('usage: finishRider.ts <root>');
const store = await openStore({ root });
await store.writeFile('a.txt', 'v1');
await store.writeFile('a.txt', 'v2');
const last = await store.transaction((tx) => {
  tx.writeFile('b.txt', 'only');
});
const held = storeContextOf(store).riding?.held() ?? -1;
process.stdout.write(`resolved ${last.id} held ${held}\n`);
process.kill(process.pid, 'SIGKILL');
