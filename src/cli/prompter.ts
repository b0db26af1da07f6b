/**
 * The Prompter of a real terminal: @inquirer/prompts, drawn on stderr so that stdout stays for results.
 * The prompt library is loaded on the first question: most commands never ask one.
 */
import type { Prompter } from './cliIo.js';

interface Key {
  readonly ctrl?: boolean;
  readonly name?: string;
}

/**
 * An AbortSignal that fires when the person ends the input (Ctrl-D, or the terminal's input ends) while a question is
 * open. The prompt library closes its line reader on Ctrl-D but never settles the question, so the command would
 * simply stop with nothing written and exit 0; aborting makes it a cancelled prompt (exit 3) instead.
 */
const endOfInput = (input: NodeJS.ReadableStream): { readonly signal: AbortSignal; readonly dispose: () => void } => {
  const controller = new AbortController();
  const end = (): void => controller.abort(new Error('the input ended (Ctrl-D) at the prompt'));
  const onKey = (_chunk: unknown, key: Key | undefined): void => {
    if (key?.ctrl === true && key.name === 'd') end();
  };
  input.on('keypress', onKey);
  input.once('end', end);
  input.once('close', end);
  return {
    signal: controller.signal,
    dispose: () => {
      input.removeListener('keypress', onKey);
      input.removeListener('end', end);
      input.removeListener('close', end);
    },
  };
};

/** Runs one question with the end-of-input signal attached. */
const asking = async <A>(input: NodeJS.ReadableStream, question: (signal: AbortSignal) => Promise<A>): Promise<A> => {
  const eof = endOfInput(input);
  try {
    return await question(eof.signal);
  } finally {
    eof.dispose();
  }
};

/**
 * Prompts reading `input` and drawing on `output`. Each question rejects with ExitPromptError on Ctrl-C and with
 * AbortPromptError on Ctrl-D (the end of the input); the CLI maps both to exit code 3.
 */
export const inquirerPrompter = (input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter => ({
  select: async (message, choices) => {
    const { select } = await import('@inquirer/prompts');
    return asking(input, (signal) =>
      select(
        {
          message,
          choices: choices.map((c) => ({ name: c.name, value: c.value, ...(c.description === undefined ? {} : { description: c.description }) })),
          pageSize: 12,
          loop: false,
        },
        { input, output, signal },
      ),
    );
  },
  confirm: async (message, defaultValue) => {
    const { confirm } = await import('@inquirer/prompts');
    return asking(input, (signal) => confirm({ message, default: defaultValue }, { input, output, signal }));
  },
});
