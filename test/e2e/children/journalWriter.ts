/**
 * Child process of the journal durability test: writes records tx/000000, tx/000001, … to the LMDB journal
 * in argv[2], flushing each one, and prints each record's number once `flush()` resolved. Runs until killed.
 */
import * as t from 'io-ts';
import { openLmdbJournal } from '../../../src/journal/lmdb.js';
import { encodeRecord } from '../../../src/journal/envelope.js';

const dir = process.argv[2];
if (dir === undefined) throw new TypeError('usage: journalWriter.ts <journal dir>');
const Entry = t.type({ n: t.number, pad: t.string });
const journal = await openLmdbJournal(dir);
for (let n = 0; ; n++) {
  const key = `tx/${String(n).padStart(6, '0')}`;
  await journal.transact((txn) => txn.put(key, encodeRecord(key, Entry, { n, pad: 'x'.repeat(n % 500) })));
  await journal.flush();
  process.stdout.write(`${n}\n`);
}
