/** Starts a TypeScript child script under tsx and reads its stdout line by line (helpers of the e2e tests). */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A running child script. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves with the first stdout line for which `match` is true (rejects if the child exits first). */
  readonly waitForLine: (match: (line: string) => boolean) => Promise<string>;
  /** Every stdout line so far. */
  readonly lines: () => readonly string[];
  /** SIGKILLs the child and resolves once it has exited (and been reaped). */
  readonly kill: () => Promise<void>;
}

/** Spawns `node --import tsx <children/script> ...args`. */
export const spawnChild = (script: string, args: readonly string[]): Child => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters: Array<() => void> = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const waitForLine = (match: (line: string) => boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(match);
        if (found !== undefined) resolve(found);
        else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`${script} exited early: ${stderr}`));
        else waiters.push(check);
      };
      void exited.then(() => {
        for (const w of waiters.splice(0)) w();
      });
      check();
    });
  return {
    process: child,
    pid: child.pid,
    waitForLine,
    lines: () => lines,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
};
