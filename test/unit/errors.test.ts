import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TxfsError, errnoError, fromOsError, hasCode } from '../../src/errors.js';

describe('TxfsError', () => {
  it('keeps the errno name as code, the original as cause, and says what to do', () => {
    const original = errnoError('ENOSPC', 'write', '/data/a.txt');
    const e = fromOsError(original, '/data/a.txt', 'write');
    expect(e).toBeInstanceOf(TxfsError);
    expect(e.code).toBe('ENOSPC');
    expect(e.path).toBe('/data/a.txt');
    expect(e.cause).toBe(original);
    expect(e.message).toMatch(/free some space/);
  });

  it('tells what to do for permission and read-only filesystem errors', () => {
    expect(fromOsError(errnoError('EACCES', 'open', '/x')).message).toMatch(/permission/);
    expect(fromOsError(errnoError('EROFS', 'open', '/x')).message).toMatch(/read-only/);
  });

  it('passes a TxfsError through unchanged', () => {
    const e = new TxfsError('ECONFLICT', 'conflict', { path: 'a' });
    expect(fromOsError(e)).toBe(e);
  });

  it('gives an error without errno the code EUNKNOWN and keeps its message', () => {
    const e = fromOsError(new Error('boom'));
    expect(e.code).toBe('EUNKNOWN');
    expect(e.message).toContain('boom');
  });

  it('is recognised through the brand, as a second installed copy would be', () => {
    const foreign = Object.assign(Object.create(Error.prototype) as object, { [Symbol.for('txfs/error')]: true, code: 'EIO' });
    expect(foreign).toBeInstanceOf(TxfsError);
    expect({ code: 'EIO' }).not.toBeInstanceOf(TxfsError);
    expect(hasCode(new TxfsError('EIO', 'x'), 'EIO', 'ENOSPC')).toBe(true);
    expect(hasCode(new Error('x'), 'EIO')).toBe(false);
  });

  it('wraps any errno-like code and never loses it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^E[A-Z]{2,10}$/), fc.string(), (code, path) => {
        const e = fromOsError(errnoError(code, 'open', path), path, 'open');
        return e.code === code && e.path === path && e.message.startsWith(`${code}:`);
      }),
    );
  });
});
