/**
 * Where results go: a JSON document on stdout for scripts (`--json`), readable lines otherwise;
 * notes and warnings on stderr so that stdout stays parseable.
 */
import type { CliContext } from './cliIo.js';

/** Replaces values JSON cannot hold faithfully (Dates become ISO strings through toJSON already; bigint → string). */
const replacer = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

/** Prints the result of a command: `value` as JSON with --json, else `human()`'s lines. Never throws. */
export const printResult = (ctx: CliContext, value: unknown, human: () => readonly string[]): void => {
  if (ctx.json) {
    ctx.io.stdout.write(`${JSON.stringify(value, replacer, 2)}\n`);
    return;
  }
  const lines = human();
  if (lines.length > 0) ctx.io.stdout.write(`${lines.join('\n')}\n`);
};

/** Prints one JSON line (for streams of results such as `watch --json`) or one human line. Never throws. */
export const printEvent = (ctx: CliContext, value: unknown, human: string): void => {
  ctx.io.stdout.write(ctx.json ? `${JSON.stringify(value, replacer)}\n` : `${human}\n`);
};

/** A note for the person at the terminal, on stderr (kept out of --json output); suppressed with --json. Never throws. */
export const note = (ctx: CliContext, line: string): void => {
  if (!ctx.json) ctx.io.stderr.write(`${line}\n`);
};

/** A warning on stderr, shown even with --json. Never throws. */
export const warn = (ctx: CliContext, line: string): void => {
  ctx.io.stderr.write(`${ctx.colors.yellow('warning:')} ${line}\n`);
};
