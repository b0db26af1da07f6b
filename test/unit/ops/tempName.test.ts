import fc from 'fast-check';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTempName, tempName } from '../../../src/ops/tempName.js';

const seed = Number(process.env.FC_SEED ?? 42);
console.log(`tempName properties: FC_SEED=${seed}`);

describe('tempName', () => {
  it('puts the temp file beside the target, hidden, carrying the transaction id and index', () => {
    expect(tempName('/data/a.json', 'k3x9', 0)).toBe('/data/.a.json.k3x9.0.txfs-tmp');
    expect(tempName('/a b/c d.txt', 'T1', 12)).toBe('/a b/.c d.txt.T1.12.txfs-tmp');
  });

  it('rejects ids that would make the name ambiguous', () => {
    expect(() => tempName('/d/a', '', 0)).toThrow(TypeError);
    expect(() => tempName('/d/a', 'a.b', 0)).toThrow(TypeError);
    expect(() => tempName('/d/a', 'a/b', 0)).toThrow(TypeError);
    expect(() => tempName('/d/a', 'x', -1)).toThrow(TypeError);
    expect(() => tempName('/d/a', 'x', 1.5)).toThrow(TypeError);
  });

  it('keeps names within 255 bytes for long (multi-byte) basenames', () => {
    const t = tempName(`/d/${'é'.repeat(200)}.txt`, 'abcdef', 3);
    expect(Buffer.byteLength(basename(t))).toBeLessThanOrEqual(255);
    expect(isTempName(t)).toBe(true);
    expect(t.endsWith('.abcdef.3.txfs-tmp')).toBe(true);
  });

  it('always yields a recognised temp name in the target directory, and never mistakes a normal name for one', () => {
    const name = fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }).filter((s) => !s.includes('/') && s !== '.' && s !== '..');
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,26}$/);
    fc.assert(
      fc.property(name, id, fc.nat(10_000), (n, txId, i) => {
        const t = tempName(`/x/y/${n}`, txId, i);
        expect(dirname(t)).toBe('/x/y');
        expect(isTempName(t)).toBe(true);
        expect(Buffer.byteLength(basename(t))).toBeLessThanOrEqual(255);
      }),
      { seed },
    );
    for (const n of ['a.json', '.bashrc', 'x.txfs-tmp.bak', '.a.b.c.txfs-tmp~', 'report.1.txfs-tmp']) expect(isTempName(n)).toBe(false);
  });
});
