import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import type { Choice, Prompter } from '../../../src/cli/cliIo.js';
import { backupLabel, askForBackup } from '../../../src/cli/restorePick.js';
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
    expect(seen[0]).toEqual([backupLabel(backups[0]!), backupLabel(backups[1]!), 'Cancel']);
    expect(seen[0]?.[0]).toMatch(/^2026-11-25 12:00:00\s+2\.0 KiB\s+tx tx-b2$/);
  });

  it('returns nothing when the confirmation is declined', async () => {
    expect(await askForBackup({ prompter: prompter(() => 'b2', false), colors: pc.createColors(false), path: 'a.txt', backups })).toBeUndefined();
  });

  it('returns nothing when Cancel is picked', async () => {
    expect(await askForBackup({ prompter: prompter(() => '', true), colors: pc.createColors(false), path: 'a.txt', backups })).toBeUndefined();
  });
});
