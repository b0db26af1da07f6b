/** The README's "Many hosts" example runs as written, against the run's throwaway PostgreSQL server. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exampleDir, type ExampleDir } from '../../readmeExample.js';
import { postgresSkip, sharedPostgres, skipNote } from '../../support/sharedPostgres.js';

let ex: ExampleDir | undefined;
afterEach(() => ex?.cleanup());

describe(`README: Many hosts${skipNote}`, () => {
  it.skipIf(postgresSkip !== undefined)('commits a transaction through the PostgreSQL journal and releases its locks', async () => {
    process.env.TXFS_DATABASE_URL = (await sharedPostgres()).url;
    ex = exampleDir('## Many hosts');
    expect(await ex.run()).toEqual([[0]]);
    expect(fs.readFileSync(path.join(ex.dir, 'exports', 'report.json'), 'utf8')).toBe('{"rows":1}');
  });
});
