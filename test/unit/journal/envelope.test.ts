import fc from 'fast-check';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { decodeRecord, decodeRecordIfPresent, encodeRecord, parseValue, serializeValue } from '../../../src/journal/envelope.js';

/** A sample codec over JSON-ish values: what fast-check's `fc.jsonValue()` generates. */
const Json: t.Type<unknown, unknown> = t.unknown;

const Sample = t.type({ id: t.string, n: t.number, tags: t.array(t.string), nested: t.union([t.null, t.type({ ok: t.boolean })]) });
const sample = fc.record({
  id: fc.string(),
  n: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
  tags: fc.array(fc.string({ unit: 'binary' })),
  nested: fc.option(fc.record({ ok: fc.boolean() }), { nil: null }),
});

const ejournal = (key: string) => expect.objectContaining({ code: 'EJOURNAL', key }) as Error;

/** What the journal stores, and what it reads back from bytes. */
const roundTrip = <A>(key: string, codec: t.Type<A, unknown>, value: A): A =>
  decodeRecord(key, parseValue(key, serializeValue(key, encodeRecord(key, codec, value))), codec);

describe('encodeRecord / decodeRecord', () => {
  it('decodes what it encoded, for arbitrary JSON values and keys', () => {
    // JSON has no -0: the one JSON value that comes back as its JSON reading (0) rather than itself.
    const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    fc.assert(
      fc.property(fc.string(), json, (key, value) => {
        expect(roundTrip(key, Json, value)).toEqual(value);
      }),
    );
  });

  it('decodes what it encoded through a typed codec, full unicode included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), sample, (key, value) => {
        expect(roundTrip(key, Sample, value)).toEqual(value);
      }),
    );
  });

  it('detects any single-byte change of the stored bytes', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        sample,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (key, value, at, delta) => {
          const bytes = serializeValue(key, encodeRecord(key, Sample, value));
          const i = at % bytes.length;
          bytes[i] = ((bytes[i] ?? 0) + delta) % 256;
          expect(() => decodeRecord(key, parseValue(key, bytes), Sample)).toThrow(ejournal(key));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a record moved to another key', () => {
    const rec = encodeRecord('tx/A', Sample, { id: 'a', n: 1, tags: [], nested: null });
    expect(() => decodeRecord('tx/B', rec, Sample)).toThrow(/fails its checksum/);
  });

  it('refuses a record of another format version', () => {
    const rec = { ...encodeRecord('k', Sample, { id: 'a', n: 1, tags: [], nested: null }), v: 2 };
    expect(() => decodeRecord('k', rec, Sample)).toThrow(/format version 2/);
  });

  it('refuses a value that is no envelope, naming the key and the io-ts report', () => {
    const err = (() => {
      try {
        decodeRecord('tx/1', { id: 'a' }, Sample);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toEqual(ejournal('tx/1'));
    expect((err as Error).message).toMatch(/tx\/1/);
    expect((err as Error).message).toMatch(/Invalid value undefined supplied to .*\/v: number/);
  });

  it('refuses a correctly checksummed body of the wrong shape, with the io-ts report', () => {
    const rec = encodeRecord('tx/1', Json, { id: 'a', n: 'one', tags: [] });
    expect(() => decodeRecord('tx/1', rec, Sample)).toThrow(ejournal('tx/1'));
    expect(() => decodeRecord('tx/1', rec, Sample)).toThrow(/Invalid value "one" supplied to .*\/n: number/);
  });

  it('treats a missing value as an error, or as absent when asked', () => {
    expect(() => decodeRecord('k', undefined, Sample)).toThrow(ejournal('k'));
    expect(decodeRecordIfPresent('k', undefined, Sample)).toBeUndefined();
  });

  it('refuses to store what JSON cannot represent', () => {
    expect(() => serializeValue('k', undefined)).toThrow(TypeError);
    expect(() => encodeRecord('k', Json, undefined)).toThrow(TypeError);
  });

  it('reports bytes that are not UTF-8 JSON as EJOURNAL', () => {
    expect(() => parseValue('k', Buffer.from([0x7b, 0xff, 0x7d]))).toThrow(ejournal('k'));
    expect(() => parseValue('k', Buffer.from('{"v":1,'))).toThrow(ejournal('k'));
  });
});
