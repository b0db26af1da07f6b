/**
 * The faults of write-file-atomic's and atomically's suites that need a process of their own, produced for real
 * through both compat entries, async and sync: EMFILE under `ulimit -n` (atomically's timeout then retries until
 * descriptors are free again), which fsyncs are made (strace: the temp's fdatasync before the rename, the directory's
 * fsync after it; none with `fsync: false`), and the end of the process mid-write — process.exit() from the temp hook,
 * SIGTERM while it waits — leaving the target as it was and no temp.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseDirs } from '../unit/ops/caseDirs.js';
import { hasStrace, runChild, startChild, tempsIn, type ChildSpec } from './support.js';

const cases = caseDirs();
const { at } = cases;
const apis = ['wfa', 'atomically'] as const;
const forms = ['async', 'sync'] as const;

/** The fsync, fdatasync and rename calls of a strace log that name the case directory, as `call path[ → path]`. */
const syncCalls = (log: string, dir: string): string[] =>
  log
    .split('\n')
    .map((l) => /\b(fsync|fdatasync|rename|renameat2?)\((.*)\)\s+= 0/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && (m[2] ?? '').includes(dir))
    .map((m) => {
      const args = [...(m[2] ?? '').matchAll(/[<"]([^>"]+)[>"]/g)].map((a) => path.relative(dir, a[1] ?? '') || '.');
      return `${m[1]?.startsWith('rename') === true ? 'rename' : m[1]} ${args.join(' → ')}`;
    });

describe.each(apis)('%s', (api) => {
  describe.each(forms)('%s', (form) => {
    const spec = (extra: Partial<ChildSpec>): ChildSpec => ({ api, form, target: at('file.txt'), text: 'new', ...extra });

    it('EMFILE under ulimit -n 64 (every descriptor taken): fails naming the file, the target as it was, no temp', () => {
      fs.writeFileSync(at('file.txt'), 'old');
      const r = runChild(spec({ holdFds: true, options: { timeout: 0 } }), { openFiles: 64 });
      expect(r.result).toMatchObject({ code: 'EMFILE', path: at('file.txt') });
      expect(r.result?.message).toMatch(/too many open files.*ulimit -n/);
      expect(fs.readFileSync(at('file.txt'), 'utf8')).toBe('old');
      expect(tempsIn(cases.dir)).toEqual([]);
    });

    it.skipIf(!hasStrace)('fsyncs (strace): fdatasync of the temp, the rename, fsync of the directory; none with fsync: false (needs strace)', () => {
      const log = at('strace.log');
      expect(runChild(spec({}), { straceTo: log }).result).toEqual({ ok: true });
      const calls = syncCalls(fs.readFileSync(log, 'utf8'), cases.dir);
      expect(calls).toHaveLength(3);
      expect(calls[0]).toMatch(/^fdatasync \.file\.txt\..+\.txfs-tmp$/);
      expect(calls[1]).toMatch(/^rename \.file\.txt\..+\.txfs-tmp → file\.txt$/);
      expect(calls[2]).toBe('fsync .');
      fs.rmSync(log);
      expect(runChild(spec({ options: { fsync: false } }), { straceTo: log }).result).toEqual({ ok: true });
      expect(syncCalls(fs.readFileSync(log, 'utf8'), cases.dir).map((c) => c.split(' ')[0])).toEqual(['rename']);
      expect(fs.readFileSync(at('file.txt'), 'utf8')).toBe('new');
    });

    it('process.exit(7) from the temp hook mid-write: exit code 7, the target as it was, the temp removed', () => {
      fs.writeFileSync(at('file.txt'), 'old');
      const r = runChild(spec({ created: 'exit' }));
      expect(r.status).toBe(7);
      expect(r.lines.some((l) => l.startsWith('created '))).toBe(true);
      expect(fs.readFileSync(at('file.txt'), 'utf8')).toBe('old');
      expect(tempsIn(cases.dir)).toEqual([]);
    });
  });

  it('SIGTERM while the (async) temp hook waits: ended by SIGTERM, the target as it was, the temp removed', async () => {
    fs.writeFileSync(at('file.txt'), 'old');
    const child = await startChild({ api, form: 'async', target: at('file.txt'), text: 'new', created: 'wait' });
    expect(fs.existsSync(child.temp)).toBe(true);
    child.signal('SIGTERM');
    expect(await child.ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(fs.readFileSync(at('file.txt'), 'utf8')).toBe('old');
    expect(tempsIn(cases.dir)).toEqual([]);
  });
});

describe('atomically: timeout', () => {
  it('async: EMFILE is tried again until descriptors are free (the child frees them after 300 ms): written', () => {
    fs.writeFileSync(at('file.txt'), 'old');
    const r = runChild({ api: 'atomically', form: 'async', target: at('file.txt'), text: 'new', holdFds: true, releaseAfterMs: 300 }, { openFiles: 64 });
    expect(r.result).toEqual({ ok: true });
    expect(fs.readFileSync(at('file.txt'), 'utf8')).toBe('new');
  });

  it('sync: EMFILE is tried again for `timeout` ms, then fails with it', () => {
    const r = runChild({ api: 'atomically', form: 'sync', target: at('file.txt'), text: 'new', holdFds: true, options: { timeout: 200 } }, { openFiles: 64 });
    expect(r.result).toMatchObject({ code: 'EMFILE' });
    expect(fs.existsSync(at('file.txt'))).toBe(false);
  });
});
