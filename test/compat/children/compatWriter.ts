/**
 * Child process of the compat suites: one write through `txfs/compat/write-file-atomic` or `txfs/compat/atomically`,
 * described by the JSON in argv[2], run under whatever limits the parent set (ulimit -f, ulimit -n, another uid, strace).
 * Prints `created <temp>` when the temp is created (the tmpfileCreated / tmpCreated hook), then `result <json>`:
 * `{ ok: true }` or `{ code, message, path }`. With `created: 'exit'` it calls process.exit(7) from the hook; with
 * `created: 'wait'` the hook waits (the parent signals it meanwhile). With `holdFds`, it first opens /dev/null until
 * EMFILE and, after `releaseAfterMs`, closes them again.
 */
import * as fs from 'node:fs';
import { writeFile, writeFileSync } from '../../../src/compat/atomically.js';
import writeFileAtomic from '../../../src/compat/writeFileAtomic.js';
import type { ChildSpec } from '../support.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
const data = spec.text ?? Buffer.alloc(spec.bytes ?? 0, 'n');

const held: number[] = [];
if (spec.holdFds === true) {
  try {
    for (;;) held.push(fs.openSync('/dev/null', 'r'));
  } catch {
    // EMFILE: every descriptor the limit allows is taken.
  }
  if (spec.releaseAfterMs !== undefined) setTimeout(() => held.splice(0).forEach((fd) => fs.closeSync(fd)), spec.releaseAfterMs);
}

const created = (temp: string): unknown => {
  process.stdout.write(`created ${temp}\n`);
  if (spec.created === 'exit') process.exit(7);
  if (spec.created === 'wait') return new Promise((resolve) => setTimeout(resolve, 60_000));
  return undefined;
};
const hook = spec.created === undefined ? {} : spec.api === 'wfa' ? { tmpfileCreated: created } : { tmpCreated: created };
const options = { ...spec.options, ...hook };

const report = (e: unknown): void => {
  const err = e as { code?: unknown; message?: unknown; path?: unknown } | undefined;
  process.stdout.write(`result ${JSON.stringify(err === undefined ? { ok: true } : { code: err.code, message: err.message, path: err.path })}\n`);
};

const run = async (): Promise<void> => {
  if (spec.form === 'sync') {
    if (spec.api === 'wfa') writeFileAtomic.sync(spec.target, data, options);
    else writeFileSync(spec.target, data, options);
    return;
  }
  if (spec.api === 'wfa') await writeFileAtomic(spec.target, data, options);
  else await writeFile(spec.target, data, options);
};

run().then(
  () => report(undefined),
  (e: unknown) => report(e),
);
