/**
 * The Prompter of a real terminal: @inquirer/prompts, drawn on stderr so that stdout stays for results.
 */
import { confirm, select } from '@inquirer/prompts';
import type { Prompter } from './cliIo.js';

/** Prompts reading `input` and drawing on `output`. Each question rejects with ExitPromptError on Ctrl-C. */
export const inquirerPrompter = (input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter => ({
  select: (message, choices) =>
    select(
      {
        message,
        choices: choices.map((c) => ({ name: c.name, value: c.value, ...(c.description === undefined ? {} : { description: c.description }) })),
        pageSize: 12,
        loop: false,
      },
      { input, output },
    ),
  confirm: (message, defaultValue) => confirm({ message, default: defaultValue }, { input, output }),
});
