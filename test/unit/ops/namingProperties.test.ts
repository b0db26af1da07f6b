import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conflictStamp, splitName } from '../../../src/conflict/uniqueName.js';
import { sha256Of } from '../../../src/integrity/sha256.js';
import { checksumLine, parseChecksumText } from '../../../src/integrity/sidecar.js';
import { backupStamp } from '../../../src/backup/backupFile.js';
import { siblingBackupName } from '../../../src/ops/siblingBackup.js';

const seed = Number(process.env.FC_SEED ?? 42);
const fileName = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((s) => !s.includes('/') && s !== '.' && s !== '..');
const time = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2999, 11, 31) }).map((t) => t - (t % 1000));

describe('naming properties', () => {
  it('splitName splits a name into stem and extension that concatenate back', () => {
    fc.assert(
      fc.property(fileName, (n) => {
        const [stem, ext] = splitName(n);
        expect(stem + ext).toBe(n);
        expect(ext === '' || ext.startsWith('.')).toBe(true);
      }),
      { seed },
    );
  });

  it("a sibling backup name carries its time and tag, keeps to NAME_MAX, and is never another file's", () => {
    const tag = fc.stringMatching(/^[0-9a-f]{10}$/);
    fc.assert(
      fc.property(fileName, fileName, time, tag, (a, b, t, g) => {
        const name = siblingBackupName(a, t, g);
        expect(name).toContain(`-${backupStamp(t)}-${g}`);
        expect(name.endsWith('.bak')).toBe(true);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
        if (b !== a) expect(siblingBackupName(b, t, g)).not.toBe(name);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('conflict stamps are UTC, fixed width, and order like the times', () => {
    fc.assert(
      fc.property(time, time, (t1, t2) => {
        const [s1, s2] = [conflictStamp(t1), conflictStamp(t2)];
        expect(s1).toMatch(/^\d{4}-\d{2}-\d{2} \d{6}$/);
        expect(Math.sign(s1.localeCompare(s2))).toBe(Math.sign(t1 - t2));
      }),
      { seed },
    );
  });

  it('a sidecar line parses back to the name and the checksum, whatever the name holds', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('/')), fc.string(), (name, content) => {
        const sha = sha256Of(content);
        expect(parseChecksumText(checksumLine(`/dir/${name}`, sha), 'x')).toEqual(new Map([[name, sha]]));
      }),
      { seed },
    );
  });
});
