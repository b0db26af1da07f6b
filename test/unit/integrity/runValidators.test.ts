/**
 * A validator that never settles cannot outlast an AbortSignal: the call rejects with EABORTED as soon as the signal
 * fires, the temp file is gone, and in a store the locks are released, so the next transaction on the path commits.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runValidators } from '../../../src/integrity/runValidators.js';
import { writeFileAtomic } from '../../../src/ops/atomicWrite.js';
import type { Data, Validator } from '../../../src/types.js';
import { rejection, trackedFixtures } from '../transaction/storeFixture.js';
import { caseDirs } from '../ops/caseDirs.js';

const fixture = trackedFixtures();
const cases = caseDirs();

/** A validator that never settles, aborting `controller` once it has been called (the abort comes "a moment later"). */
const hanging = (controller: AbortController): Validator => ({
  name: 'hangs',
  validate: () => {
    setImmediate(() => controller.abort(new Error('user gave up')));
    return new Promise<void>(() => undefined);
  },
});

const sources: Array<[string, () => Data]> = [
  ['in-memory data', () => 'new content'],
  ['a stream (validated from its temp file)', () => Readable.from([Buffer.from('new '), Buffer.from('content')])],
];

describe('runValidators with a signal', () => {
  it('rejects with EABORTED naming the validator and the file once the signal fires', async () => {
    const controller = new AbortController();
    const e = await rejection(runValidators([hanging(controller)], Buffer.from('x'), { path: 'a.txt', signal: controller.signal }));
    expect(e.code).toBe('EABORTED');
    expect(e.path).toBe('a.txt');
    expect(e.message).toContain('hangs validator');
  });

  it('runs no validator once the signal has fired, and still reports a validator failure as EVALIDATION', async () => {
    let called = false;
    const spy: Validator = { name: 'spy', validate: () => void (called = true) };
    const fired = AbortSignal.abort();
    expect((await rejection(runValidators([spy], Buffer.from('x'), { signal: fired }))).code).toBe('EABORTED');
    expect(called).toBe(false);
    const no: Validator = { name: 'no', validate: () => Promise.reject(new Error('bad')) };
    expect((await rejection(runValidators([no], Buffer.from('x'), { signal: new AbortController().signal }))).code).toBe('EVALIDATION');
  });
});

describe('a store transaction whose validator never settles', () => {
  it.each(sources)('with %s: EABORTED, no temp file, the old content kept, and the next transaction on the path commits', async (_what, data) => {
    const f = await fixture({ 'a.txt': 'old' }, { lockTimeoutMs: 2000 });
    const controller = new AbortController();
    const e = await rejection(f.store.begin({ signal: controller.signal }).writeFile('a.txt', data(), { validate: hanging(controller) }).commit());
    expect(e.code).toBe('EABORTED');
    expect(f.temps()).toEqual([]);
    expect(f.read('a.txt')).toBe('old');
    const next = await f.store.begin().writeFile('a.txt', 'next').commit();
    expect(next.status).toBe('committed');
    expect(f.read('a.txt')).toBe('next');
    expect((await f.store.status()).locks).toEqual([]);
  });
});

describe('writeFileAtomic whose validator never settles', () => {
  it.each(sources)('with %s: EABORTED, no temp file beside the target, the target untouched', async (_what, data) => {
    fs.writeFileSync(cases.at('a.txt'), 'old');
    const controller = new AbortController();
    const e = await rejection(writeFileAtomic(cases.at('a.txt'), data(), { validate: hanging(controller), signal: controller.signal }));
    expect(e.code).toBe('EABORTED');
    expect(fs.readdirSync(cases.dir)).toEqual(['a.txt']);
    expect(fs.readFileSync(cases.at('a.txt'), 'utf8')).toBe('old');
  });
});
