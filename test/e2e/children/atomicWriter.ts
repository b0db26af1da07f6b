/**
 * Child process of test/e2e/tempCleanup.test.ts: writeFileAtomic of argv[2] from a large, slow stream (16 KiB a chunk,
 * one chunk per 5 ms, 64 MiB in all). Prints "writing <temp name>" once its temp file is there, then, by argv[3]:
 * - `stream`: goes on streaming (the parent signals or kills it meanwhile);
 * - `stall`: the stream stops giving data but the process stays alive (a live writer holding its temp);
 * - `exit`: calls process.exit(7) from inside the stream;
 * - `own-handler`: installs its own SIGTERM handler, which exits with 0 a moment later;
 * - `drain`: the stream waits on a promise that never settles and nothing else keeps the process alive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../../src/index.js';
import { isTempName } from '../../../src/ops/tempName.js';

const [target, mode] = process.argv.slice(2);
if (target === undefined || mode === undefined) throw new TypeError('usage: atomicWriter.ts <target> <stream|stall|exit|own-handler|drain>');

const tempNow = (): string | undefined => fs.readdirSync(path.dirname(target)).find(isTempName);

async function* source(): AsyncGenerator<Uint8Array> {
  yield Buffer.alloc(16 * 1024, 'n');
  // The first chunk is written once the next one is asked for: the temp file exists by then.
  await new Promise((r) => setTimeout(r, 20));
  if (mode === 'own-handler') process.on('SIGTERM', () => setTimeout(() => process.exit(0), 20));
  process.stdout.write(`writing ${tempNow() ?? '(none)'}\n`);
  if (mode === 'exit') process.exit(7);
  if (mode === 'drain') await new Promise(() => undefined);
  const stall = mode === 'stall' ? setInterval(() => undefined, 60_000) : undefined;
  if (stall !== undefined) await new Promise(() => undefined);
  for (let i = 0; i < 4096; i++) {
    await new Promise((r) => setTimeout(r, 5));
    yield Buffer.alloc(16 * 1024, 'n');
  }
}

void writeFileAtomic(target, source()).then(() => process.stdout.write('done\n'));
