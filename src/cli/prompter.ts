/**
 * The Prompter of a real terminal: @inquirer/prompts, drawn on stderr so that stdout stays for results.
 * The prompt library is loaded on the first question: most commands never ask one.
 */
import type { Prompter } from './cliIo.js';

/** Prompts reading `input` and drawing on `output`. Each question rejects with ExitPromptError on Ctrl-C. */
export const inquirerPrompter = (input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter => ({
  select: async (message, choices) => {
    const { select } = await import('@inquirer/prompts');
    return select(
      {
        message,
        choices: choices.map((c) => ({ name: c.name, value: c.value, ...(c.description === undefined ? {} : { description: c.description }) })),
        pageSize: 12,
        loop: false,
      },
      { input, output },
    );
  },
  confirm: async (message, defaultValue) => {
    const { confirm } = await import('@inquirer/prompts');
    return confirm({ message, default: defaultValue }, { input, output });
  },
});
