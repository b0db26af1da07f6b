import fc from 'fast-check';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { jsonErrorOffset, lineColumn } from '../../../src/integrity/jsonErrorOffset.js';
import { validators } from '../../../src/integrity/validators.js';
import type { Validator } from '../../../src/types.js';

const fails = async (v: Validator, content: string): Promise<TxfsError> => {
  const e = await Promise.resolve()
    .then(() => v.validate(Buffer.from(content)))
    .then(
      () => undefined,
      (x: unknown) => x,
    );
  expect(e).toBeInstanceOf(TxfsError);
  expect((e as TxfsError).code).toBe('EVALIDATION');
  return e as TxfsError;
};

describe('validators', () => {
  it('json accepts JSON (a BOM too) and locates the first error', async () => {
    await validators.json().validate(Buffer.from('\ufeff{"a":[1,2,{"b":null}]}'));
    expect(await fails(validators.json(), '{\n  "a": 1,\n  "b": }')).toMatchObject({ validator: 'json', line: 3, column: 8 });
    expect(await fails(validators.json(), '{"a":1')).toMatchObject({ line: 1, column: 7 });
    expect(await fails(validators.json(), '')).toMatchObject({ line: 1, column: 1 });
    expect((await fails(validators.json(), '[1,]')).message).toMatch(/json validation failed at line 1, column 4/);
  });

  it('xml accepts well-formed XML and reports line and column', async () => {
    await validators.xml().validate(Buffer.from('<?xml version="1.0"?>\n<a><b x="1"/></a>'));
    expect(await fails(validators.xml(), '<a>\n<b></a>')).toMatchObject({ validator: 'xml', line: 2, column: 4 });
    await fails(validators.xml(), '   ');
  });

  it('csv accepts consistent records and reports the line of a ragged one', async () => {
    await validators.csv().validate(Buffer.from('a,b\n1,2\n"x,y",3\n'));
    expect(await fails(validators.csv(), 'a,b\n1,2\n3\n')).toMatchObject({ validator: 'csv', line: 3 });
    await validators.csv({ relax_column_count: true }).validate(Buffer.from('a,b\n3\n'));
    expect(await fails(validators.csv(), 'a,b\n1,"2\n')).toMatchObject({ line: 2 });
  });

  it('codec decodes JSON through io-ts and says what is wrong', async () => {
    const Settings = t.type({ name: t.string, retries: t.number }, 'Settings');
    const v = validators.codec(Settings);
    expect(v.name).toBe('codec(Settings)');
    await v.validate(Buffer.from('{"name":"x","retries":3}'));
    const e = await fails(v, '{"name":"x","retries":"3"}');
    expect(e.validator).toBe('codec(Settings)');
    expect(e.message).toContain('retries');
    expect(await fails(v, '{"name":')).toMatchObject({ line: 1, column: 9 });
  });

  it('jsonErrorOffset agrees with JSON.parse on validity, for JSON and for damaged JSON', () => {
    const text = fc.oneof(
      fc.json(),
      fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\\', '\n', '-', '.', 'e')).map(([j, i, s]) => j.slice(0, i % (j.length + 1)) + s + j.slice(i % (j.length + 1))),
    );
    fc.assert(
      fc.property(text, (s) => {
        let valid = true;
        try {
          JSON.parse(s);
        } catch {
          valid = false;
        }
        const at = jsonErrorOffset(s);
        expect(at === undefined).toBe(valid);
        if (at !== undefined) expect(at).toBeLessThanOrEqual(s.length);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: 2000 },
    );
  });

  it('still rejects absurdly deep invalid JSON with EVALIDATION (position unknown)', async () => {
    const e = await fails(validators.json(), '['.repeat(200_000));
    expect(e.validator).toBe('json');
  });

  it('lineColumn counts from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
