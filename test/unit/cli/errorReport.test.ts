import { describe, expect, it } from 'vitest';
import { errorCode, errorReport } from '../../../src/cli/errorReport.js';
import { UsageError } from '../../../src/cli/usageError.js';
import { fromOsError, TxfsError } from '../../../src/errors.js';

describe('errorReport', () => {
  it('holds a TxfsError\'s code, its one-line message with the hint, and its path', () => {
    const e = new TxfsError('ELOCKED', 'ELOCKED: a.txt is locked by pid 42', { path: 'a.txt' });
    expect(errorReport(e)).toEqual({
      error: { code: 'ELOCKED', message: expect.stringMatching(/^ELOCKED: a\.txt is locked by pid 42 — .*txfs recover/) as unknown, path: 'a.txt' },
    });
  });

  it('leaves the path out when the error names none, and never carries the stack', () => {
    const report = errorReport(new TxfsError('EIO', 'EIO: broken\nsecond line'));
    expect(report).toEqual({ error: { code: 'EIO', message: 'EIO: broken' } });
  });

  it('gives usage errors EUSAGE, a cancelled prompt ECANCELLED, an OS error its errno and path, anything else EUNKNOWN', () => {
    expect(errorReport(new UsageError('pass --from FILE'))).toEqual({ error: { code: 'EUSAGE', message: 'pass --from FILE' } });
    expect(errorCode(Object.assign(new Error('User force closed the prompt with SIGINT'), { name: 'ExitPromptError' }))).toBe('ECANCELLED');
    const os = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x/a.txt' });
    expect(errorReport(os)).toEqual({ error: { code: 'ENOENT', message: 'ENOENT: no such file', path: '/x/a.txt' } });
    expect(errorReport(fromOsError(os, '/x/a.txt', 'read')).error).toMatchObject({ code: 'ENOENT', path: '/x/a.txt' });
    expect(errorReport('a string')).toEqual({ error: { code: 'EUNKNOWN', message: 'a string' } });
    expect(errorReport(new Error('plain'))).toEqual({ error: { code: 'EUNKNOWN', message: 'plain' } });
  });
});
