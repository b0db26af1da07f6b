/**
 * The interactive answer to a conflict (`--on-exists ask`): shows the existing file and the new one
 * and asks Overwrite / Skip / Rename / Keep both / Cancel, optionally for all remaining conflicts.
 */
import type { Conflict, ConflictResolution } from '../types.js';
import type { Choice, Colors, Prompter } from './cliIo.js';
import { formatBytes, formatTime } from './format.js';

/** What the CLI knows about the content it is about to write to `path`. */
export interface IncomingFile {
  readonly size?: number;
  readonly mtime?: Date;
  /** Where it comes from, as the user typed it (`data.csv`, `stdin`). */
  readonly source: string;
}

/** What the prompt needs. */
export interface ConflictPromptDeps {
  readonly prompter: Prompter;
  readonly colors: Colors;
  /** Writes a line above the question (on the prompt's stream). */
  readonly print: (line: string) => void;
  /** The incoming file for a target path (relative to the root), when known. */
  readonly incoming: (path: string) => IncomingFile | undefined;
  /** How many files the command writes; with more than one, the answer may be applied to all remaining conflicts. */
  readonly files: number;
}

const headline: Record<Conflict['kind'], string> = {
  exists: 'already exists',
  'read-only': 'exists and is read-only',
  locked: 'is locked by another transaction',
  permission: 'cannot be written (permission denied)',
  changed: 'changed while this transaction was running',
};

const describe = (size: number | undefined, mtime: Date | undefined): string =>
  `${size === undefined ? 'size unknown' : formatBytes(size)}, ${mtime === undefined ? 'modified now' : `modified ${formatTime(mtime)}`}`;

const choices: ReadonlyArray<Choice<ConflictResolution>> = [
  { name: 'Overwrite', value: 'overwrite', description: 'replace it (the current version is kept as a backup)' },
  { name: 'Skip', value: 'skip', description: 'leave it as it is and do not write this file' },
  { name: 'Rename', value: 'rename', description: 'write the new file under a free name: name (1).ext' },
  { name: 'Keep both', value: 'keep-both', description: 'write the new file beside it: name (conflict DATE TIME).ext' },
  { name: 'Cancel', value: 'cancel', description: 'stop: nothing is written' },
];

/**
 * A conflict callback for `onExists` that asks the person at the terminal. Questions never overlap: calls made
 * while a question is open wait for it. Once an answer is applied to all, later conflicts get it without asking.
 * Rejects when the prompt is cancelled (Ctrl-C); the CLI maps that to exit code 3.
 */
export const createConflictPrompt = (deps: ConflictPromptDeps): ((c: Conflict) => Promise<ConflictResolution>) => {
  const { prompter, colors: c } = deps;
  let forAll: ConflictResolution | undefined;
  let asked = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const ask = async (conflict: Conflict): Promise<ConflictResolution> => {
    if (forAll !== undefined) return forAll;
    asked += 1;
    const incoming = deps.incoming(conflict.path);
    deps.print(`${c.yellow('Conflict:')} ${c.bold(conflict.path)} ${headline[conflict.kind]}`);
    if (conflict.current !== undefined) deps.print(`  existing  ${describe(conflict.current.size, conflict.current.mtime)}`);
    const size = incoming?.size ?? conflict.incoming?.size;
    deps.print(`  new       ${describe(size, incoming?.mtime)}${incoming === undefined ? '' : ` (from ${incoming.source})`}`);
    if (conflict.holder !== undefined) deps.print(`  held by   ${conflict.holder}`);
    const answer = await prompter.select(`What should txfs do with ${conflict.path}?`, choices);
    if (answer !== 'cancel' && deps.files > 1 && asked < deps.files) {
      const all = await prompter.confirm(`Apply "${choices.find((x) => x.value === answer)?.name ?? answer}" to all remaining conflicts?`, false);
      if (all) forAll = answer;
    }
    return answer;
  };

  return (conflict) => {
    const next = queue.then(() => ask(conflict));
    queue = next.catch(() => undefined);
    return next;
  };
};
