import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exampleDir, type ExampleDir } from '../../readmeExample.js';

let ex: ExampleDir | undefined;
afterEach(() => ex?.cleanup());

describe('README: API overview', () => {
  it('runs as written, on a first run and again on a later one', async () => {
    ex = exampleDir('## API overview');
    await ex.run();
    expect(JSON.parse(fs.readFileSync(path.join(ex.dir, 'settings.json'), 'utf8'))).toEqual({ theme: 'dark' });
    expect(fs.readFileSync(path.join(ex.dir, 'exports', 'report.csv'), 'utf8')).toBe('id,total\n1,9.50\n');
    fs.writeFileSync(path.join(ex.dir, 'exports', 'report-draft.csv'), 'draft');
    await ex.run();
    expect(fs.existsSync(path.join(ex.dir, 'exports', 'report-draft.csv'))).toBe(false);
    expect(fs.readFileSync(path.join(ex.dir, 'exports', 'report.json'), 'utf8')).toBe('{"rows":1}');
  });
});
