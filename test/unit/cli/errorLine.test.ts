import { describe, expect, it } from 'vitest';
import { errorLine } from '../../../src/cli/errorLine.js';
import { exitCodeFor } from '../../../src/cli/exitCodes.js';
import { UsageError } from '../../../src/cli/usageError.js';
import { fromOsError, TxfsError } from '../../../src/errors.js';

describe('errorLine', () => {
  it('prints a TxfsError as one line with what to do next', () => {
    const line = errorLine(new TxfsError('ELOCKED', 'ELOCKED: a.txt is locked by pid 42 (export) since 2026-11-25T17:00:00Z', { path: 'a.txt' }), false);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('pid 42');
    expect(line).toContain('txfs recover');
  });

  it('keeps an OS error on one line with its advice', () => {
    const line = errorLine(fromOsError(Object.assign(new Error('nope'), { code: 'ENOSPC' }), '/x/a.txt', 'write'), false);
    expect(line).toBe('ENOSPC: the disk is full: free some space and try again (write /x/a.txt)');
  });

  it('says a conflict cancelled with Ctrl-C at the prompt was cancelled', () => {
    const prompt = Object.assign(new Error('User force closed the prompt with SIGINT'), { name: 'ExitPromptError' });
    const e = new TxfsError('ECONFLICT', 'ECONFLICT: a.txt exists and the conflict handler failed', { cause: prompt });
    expect(errorLine(e, false)).toBe('cancelled at the prompt: nothing was changed');
    expect(exitCodeFor(e)).toBe(3);
  });

  it('adds the stack only in debug mode', () => {
    const e = new TxfsError('EIO', 'EIO: broken');
    expect(errorLine(e, false)).not.toContain('\n');
    expect(errorLine(e, true)).toContain('at ');
  });

  it('maps errors to exit codes: usage 2, conflicts and cancelled prompts 3, else 1', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new TxfsError('ECONFLICT', 'x'))).toBe(3);
    expect(exitCodeFor(Object.assign(new Error('User force closed the prompt'), { name: 'ExitPromptError' }))).toBe(3);
    expect(exitCodeFor(new TxfsError('EINTEGRITY', 'x'))).toBe(1);
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });
});
