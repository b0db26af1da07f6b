import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import type { Choice, Prompter } from '../../../src/cli/cliIo.js';
import { createConflictPrompt } from '../../../src/cli/conflictPrompt.js';
import type { Conflict } from '../../../src/types.js';

const colors = pc.createColors(false);

/** A prompter answering from a script, recording every question. */
const scripted = (answers: Array<string | boolean>) => {
  const asked: string[] = [];
  const prompter: Prompter = {
    select: async <V extends string>(message: string, choices: ReadonlyArray<Choice<V>>): Promise<V> => {
      asked.push(message);
      const a = answers.shift();
      const found = choices.find((c) => c.value === a);
      if (found === undefined) throw new Error(`unexpected select ${message}`);
      await new Promise((r) => setTimeout(r, 1));
      return found.value;
    },
    confirm: async (message: string): Promise<boolean> => {
      asked.push(message);
      const a = answers.shift();
      if (typeof a !== 'boolean') throw new Error(`unexpected confirm ${message}`);
      return a;
    },
  };
  return { prompter, asked };
};

const conflict = (path: string): Conflict => ({ kind: 'exists', path, current: { size: 2048, mtime: new Date(2026, 0, 2, 3, 4, 5) } });

describe('createConflictPrompt', () => {
  it('shows the existing and the new file and returns the chosen resolution', async () => {
    const { prompter, asked } = scripted(['keep-both']);
    const printed: string[] = [];
    const ask = createConflictPrompt({
      prompter,
      colors,
      print: (l) => printed.push(l),
      incoming: () => ({ size: 10, mtime: new Date(2026, 5, 6, 7, 8, 9), source: 'new.txt' }),
      files: 1,
    });
    expect(await ask(conflict('a.txt'))).toBe('keep-both');
    expect(printed.join('\n')).toContain('a.txt already exists');
    expect(printed.join('\n')).toContain('existing  2.0 KiB, modified 2026-01-02 03:04:05');
    expect(printed.join('\n')).toContain('new       10 B, modified 2026-06-06 07:08:09 (from new.txt)');
    expect(asked).toEqual(['What should txfs do with a.txt?']);
  });

  it('applies an answer to all remaining conflicts once asked to, without asking again', async () => {
    const { prompter, asked } = scripted(['skip', true]);
    const ask = createConflictPrompt({ prompter, colors, print: () => undefined, incoming: () => undefined, files: 3 });
    const answers = await Promise.all([ask(conflict('a')), ask(conflict('b')), ask(conflict('c'))]);
    expect(answers).toEqual(['skip', 'skip', 'skip']);
    expect(asked).toHaveLength(2);
  });

  it('asks one question at a time and keeps asking when the answer is not for all', async () => {
    const { prompter, asked } = scripted(['overwrite', false, 'rename', false, 'cancel']);
    const ask = createConflictPrompt({ prompter, colors, print: () => undefined, incoming: () => undefined, files: 3 });
    const answers = await Promise.all([ask(conflict('a')), ask(conflict('b')), ask(conflict('c'))]);
    expect(answers).toEqual(['overwrite', 'rename', 'cancel']);
    expect(asked.filter((q) => q.startsWith('What'))).toEqual(['What should txfs do with a?', 'What should txfs do with b?', 'What should txfs do with c?']);
  });

  it('does not offer "apply to all" for a single file', async () => {
    const { prompter, asked } = scripted(['overwrite']);
    const ask = createConflictPrompt({ prompter, colors, print: () => undefined, incoming: () => undefined, files: 1 });
    expect(await ask(conflict('a'))).toBe('overwrite');
    expect(asked).toHaveLength(1);
  });
});
