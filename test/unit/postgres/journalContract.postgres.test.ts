/**
 * The Journal contract against the PostgreSQL journal on the run's throwaway server (a fresh schema per test; a
 * restart is a close and a new open of the same schema). Skipped, with the reason in its title, without the binaries.
 */
import pg from 'pg';
import type { Journal } from '../../../src/journal/journal.js';
import { MAX_KEY_BYTES } from '../../../src/journal/journal.js';
import { postgresJournal } from '../../../src/postgres/index.js';
import { describeJournal } from '../../contract/journal.js';
import { freshSchema, postgresSkip, sharedPostgres } from '../../support/sharedPostgres.js';

describeJournal(
  'PostgreSQL',
  async () => {
    const { url } = await sharedPostgres();
    const schema = freshSchema('contract');
    const open = (): Promise<Journal> => postgresJournal({ connectionString: url, schema, poolSize: 4 });
    let current = await open();
    const opened = [current];
    return {
      journal: current,
      reopen: async (): Promise<Journal> => {
        await current.close();
        current = await open();
        opened.push(current);
        return current;
      },
      cleanup: async (): Promise<void> => {
        for (const j of opened) await j.close();
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
        await client.end();
      },
    };
  },
  { maxKeyBytes: MAX_KEY_BYTES, numRuns: 40, skip: postgresSkip },
);
