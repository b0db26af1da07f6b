import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import type { Choice, Prompter } from '../../../src/cli/cliIo.js';
import { askForBackup } from '../../../src/cli/restorePick.js';
import type { BackupEntry } from '../../../src/types.js';

const entry = (id: string, size: number, hour: number): BackupEntry => ({
  id,
  path: 'a.txt',
  file: `/b/${id}`,
  createdAt: new Date(2026, 10, 25, hour, 0, 0),
  size,
  sha256: 'ab'.repeat(32),
  compressed: false,
  txId: `tx-${id}`,
});

const prompter = (pick: (choices: ReadonlyArray<Choice<string>>) => string, confirmAnswer: boolean, seen: string[][] = []): Prompter => ({
  select: async <V extends string>(_m: string, choices: ReadonlyArray<Choice<V>>): Promise<V> => {
    seen.push(choices.map((c) => c.name));
    const v = pick(choices);
    return choices.find((c) => c.value === v)?.value ?? (v as V);
  },
  confirm: async () => confirmAnswer,
});

describe('askForBackup', () => {
  const backups = [entry('b2', 2048, 12), entry('b1', 10, 11)];

  it('lists each backup with its time, size and transaction, and returns the confirmed one', async () => {
    const seen: string[][] = [];
    const chosen = await askForBackup({ prompter: prompter(() => 'b1', true, seen), colors: pc.createColors(false), path: 'a.txt', backups });
    expect(chosen?.id).toBe('b1');
    // Local time, the size right-aligned in ten columns, the transaction; newest first, as given.
    expect(seen[0]).toEqual(['2026-11-25 12:00:00     2.0 KiB  tx tx-b2', '2026-11-25 11:00:00        10 B  tx tx-b1', 'Cancel']);
  });

  it('marks a compressed backup, and a backup of no transaction with a dash', async () => {
    const seen: string[][] = [];
    const { txId: _, ...untracked } = entry('b0', 3 * 1024 * 1024, 9);
    await askForBackup({ prompter: prompter(() => '', true, seen), colors: pc.createColors(false), path: 'a.txt', backups: [{ ...entry('b3', 100, 10), compressed: true }, untracked] });
    expect(seen[0]).toEqual(['2026-11-25 10:00:00       100 B  tx tx-b3  (gzip)', '2026-11-25 09:00:00     3.0 MiB  tx -', 'Cancel']);
  });

  it('returns nothing when the confirmation is declined', async () => {
    expect(await askForBackup({ prompter: prompter(() => 'b2', false), colors: pc.createColors(false), path: 'a.txt', backups })).toBeUndefined();
  });

  it('returns nothing when Cancel is picked', async () => {
    expect(await askForBackup({ prompter: prompter(() => '', true), colors: pc.createColors(false), path: 'a.txt', backups })).toBeUndefined();
  });
});
