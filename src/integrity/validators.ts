/**
 * Content validators: JSON, XML, CSV and JSON through an io-ts codec. Each throws an EVALIDATION TxfsError
 * naming itself, with line and column where the parser gives them.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { Options as CsvOptions } from 'csv-parse/sync';
import { XMLValidator } from 'fast-xml-parser';
import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { TxfsError } from '../errors.js';
import type { Validator } from '../types.js';
import { jsonErrorOffset, lineColumn } from './jsonErrorOffset.js';

const invalid = (validator: string, reason: string, at: { line?: number | undefined; column?: number | undefined } = {}): TxfsError => {
  const where = at.line === undefined ? '' : ` at line ${at.line}${at.column === undefined ? '' : `, column ${at.column}`}`;
  return new TxfsError('EVALIDATION', `EVALIDATION: ${validator} validation failed${where}: ${reason}`, {
    validator,
    line: at.line,
    column: at.column,
  });
};

/** UTF-8 text of `content`, without a byte-order mark. */
const text = (content: Buffer): string => {
  const s = content.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
};

/** Parses JSON or throws EVALIDATION (named `name`) with the line/column of the first error. */
const parseJson = (name: string, content: Buffer): unknown => {
  const s = text(content);
  try {
    return JSON.parse(s) as unknown;
  } catch (e) {
    const offset = jsonErrorOffset(s);
    throw invalid(name, e instanceof Error ? e.message : String(e), offset === undefined ? {} : lineColumn(s, offset));
  }
};

/** Accepts well-formed JSON (UTF-8, a leading BOM allowed). */
const json = (): Validator => ({
  name: 'json',
  validate: (content) => void parseJson('json', content),
});

/** Accepts well-formed XML (fast-xml-parser's validator). */
const xml = (): Validator => ({
  name: 'xml',
  validate: (content) => {
    const s = text(content);
    if (s.trim().length === 0) throw invalid('xml', 'the document is empty');
    const r = XMLValidator.validate(s);
    if (r !== true) throw invalid('xml', r.err.msg, { line: r.err.line, column: r.err.col });
  },
});

/** Accepts CSV that csv-parse reads without error (by default every record must have the same number of fields). */
const csv = (options: CsvOptions = {}): Validator => ({
  name: 'csv',
  validate: (content) => {
    try {
      parseCsv(text(content), options);
    } catch (e) {
      const lines = (e as { lines?: unknown }).lines;
      throw invalid('csv', e instanceof Error ? e.message : String(e), { line: typeof lines === 'number' ? lines : undefined });
    }
  },
});

/** Accepts JSON whose value `codec` decodes; the io-ts report says what is wrong and where in the value. */
const codec = <A, O>(type: t.Type<A, O, unknown>): Validator => {
  const name = `codec(${type.name})`;
  return {
    name,
    validate: (content) => {
      const result = type.decode(parseJson(name, content));
      if (isLeft(result)) throw invalid(name, PathReporter.report(result).join('; '));
    },
  };
};

/**
 * Ready-made validators for `validate` options.
 * @example await writeFileAtomic('conf.json', text, { validate: validators.json() })
 */
export const validators = { json, xml, csv, codec } as const;
