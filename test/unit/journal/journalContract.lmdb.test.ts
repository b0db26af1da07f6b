/**
 * The Journal contract against the LMDB journal on a real temp dir, in the store's mode (every commit fsynced) and
 * with lmdb-js's `overlappingSync` (a commit resolves before its fsync; `flush()` waits for it), and without fsync
 * (durability 'none': the writes of a turn committed together on the event loop, `turnBatch.ts`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Journal } from '../../../src/journal/journal.js';
import { MAX_KEY_BYTES, openLmdbJournal, type LmdbJournalOptions } from '../../../src/journal/lmdb.js';
import { describeJournal, type JournalContractOptions } from '../../contract/journal.js';

// The LMDB journal is a Journal (a type test: this line does not compile otherwise).
const open: (dir: string, o?: LmdbJournalOptions) => Promise<Journal> = openLmdbJournal;

const lmdb: JournalContractOptions = {
  maxKeyBytes: MAX_KEY_BYTES,
  // Every commit is an fdatasync: keep the properties short.
  numRuns: 50,
};

const fixture = (options: LmdbJournalOptions) => async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-journal-'));
  const where = path.join(root, 'journal');
  let current = await open(where, options);
  const opened = [current];
  return {
    journal: current,
    reopen: async (): Promise<Journal> => {
      await current.close();
      current = await open(where, options);
      opened.push(current);
      return current;
    },
    cleanup: async (): Promise<void> => {
      for (const j of opened) await j.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
};

describeJournal('LMDB on a real temp dir', fixture({}), lmdb);
describeJournal('LMDB with overlappingSync', fixture({ overlappingSync: true }), lmdb);
describeJournal('LMDB without fsync (durability none: commits batched per turn)', fixture({ noSync: true }), lmdb);
