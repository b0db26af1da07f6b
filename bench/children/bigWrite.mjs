// One contender of bench/stream.ts, in a plain node process on the built package: writes SIZE bytes (argv[4]) to
// argv[3] the way argv[2] names, then prints {"ms":…,"maxRssMiB":…} (process.resourceUsage().maxRSS) and exits.
import { Buffer } from 'node:buffer';
import { createReadStream, createWriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openStore, writeFileAtomic } from '../../dist/index.js';

const [how, target, sizeText, source] = process.argv.slice(2);
const size = Number(sizeText);
const CHUNK = 64 * 1024;
const chunk = Buffer.alloc(CHUNK, 'x');
/** SIZE bytes of data, as a stream of 64 KiB chunks (a generator, as an export would produce it). */
const data = () => Readable.from((function* () {
  for (let left = size; left > 0; left -= CHUNK) yield left >= CHUNK ? chunk : chunk.subarray(0, left);
})());

const fsyncFile = async (file) => {
  const fh = await fsp.open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
};

const contenders = {
  // The userspace floor: pipeline into the file, then one fsync.
  pipeline: async () => {
    await pipeline(data(), createWriteStream(target));
    await fsyncFile(target);
  },
  writeFileAtomic: () => writeFileAtomic(target, data()),
  'store transaction': async () => {
    const store = await openStore({ root: path.dirname(target) });
    try {
      await store.transaction((tx) => void tx.writeFile(path.basename(target), data()));
    } finally {
      await store.close();
    }
  },
  // The in-kernel floor: copyFile, then one fsync.
  copyFile: async () => {
    await fsp.copyFile(source, target);
    await fsyncFile(target);
  },
  'tx.copy': async () => {
    const store = await openStore({ root: path.dirname(target) });
    try {
      await store.transaction((tx) => void tx.copy(path.basename(source), path.basename(target)));
    } finally {
      await store.close();
    }
  },
  // What a JS loop costs: read and hash the source as a stream into the target (copy without the kernel).
  'stream copy': async () => {
    await pipeline(createReadStream(source), createWriteStream(target));
    await fsyncFile(target);
  },
};

const run = contenders[how];
if (run === undefined) throw new Error(`unknown contender ${how}`);
const t0 = performance.now();
await run();
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
