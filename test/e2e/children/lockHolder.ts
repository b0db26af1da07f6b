/**
 * Child process of the lock test: takes the locks on argv[4..] in the LMDB journal in argv[2] for a transaction
 * labelled argv[3], prints "locked <txId>" and then holds them until killed.
 */
import { nodeFileSystem } from '../../../src/fs/node.js';
import { openLmdbJournal } from '../../../src/journal/lmdb.js';
import { acquireLocks, lockOwner } from '../../../src/transaction/locks.js';
import { osProcesses } from '../../../src/transaction/liveness.js';

const [dir, label, ...paths] = process.argv.slice(2);
if (dir === undefined || label === undefined) throw new TypeError('usage: lockHolder.ts <journal dir> <label> <path>…');
const journal = await openLmdbJournal(dir);
const txId = `child-${process.pid}`;
await acquireLocks({ fs: nodeFileSystem, journal, now: Date.now, newId: () => txId, processes: osProcesses(nodeFileSystem) }, paths, lockOwner(txId, label), { timeoutMs: 10_000 });
process.stdout.write(`locked ${txId}\n`);
setInterval(() => undefined, 60_000);
