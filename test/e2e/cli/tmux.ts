/**
 * Drives the CLI on a real pseudo-terminal through tmux: start a command in a detached session, send keys,
 * and poll the pane for expected text (a bounded number of polls, never a timing assertion).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A terminal session running one shell command. */
export interface Terminal {
  /** The pane text (with its colour escape sequences when `escapes`). */
  screen(escapes?: boolean): string;
  /** Sends tmux key names (`Down`, `Enter`, `y`, `C-c`) one after another. */
  keys(...keys: string[]): void;
  /** Polls the pane until `pattern` appears; rejects with the last screen after `attempts` polls. */
  waitFor(pattern: RegExp | string, attempts?: number): Promise<string>;
  /** Waits for the command to end and resolves with its exit code (the shell prints it after the command). */
  exitCode(): Promise<number>;
  close(): void;
}

/**
 * Starts `argv` (run in `cwd`, with `env` added) in a new 120x40 tmux session. After the command ends the shell
 * prints `TXFS-EXIT:<code>` and keeps the pane open so the screen can still be read.
 */
export const openTerminal = (argv: readonly string[], cwd: string, env: Record<string, string> = {}): Terminal => {
  const name = `txfs-${randomUUID().slice(0, 8)}`;
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)};`).join(' ');
  const script = `cd ${quote(cwd)}; ${exports} unset TXFS_DEBUG; ${argv.map(quote).join(' ')}; echo "TXFS-EXIT:$?"; sleep 600`;
  // Two test files may start the tmux server at the same moment; the loser's first attempt can fail.
  for (let attempt = 1; ; attempt++) {
    try {
      tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', 'sh', '-c', script);
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
  const screen = (escapes = false): string => tmux('capture-pane', '-p', '-J', ...(escapes ? ['-e'] : []), '-S', '-200', '-t', name);
  const waitFor = async (pattern: RegExp | string, attempts = 300): Promise<string> => {
    let last = '';
    for (let i = 0; i < attempts; i++) {
      last = screen();
      if (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) return last;
      await sleep(100);
    }
    throw new Error(`the terminal never showed ${String(pattern)}; it shows:\n${last}`);
  };
  return {
    screen,
    keys: (...keys) => {
      for (const k of keys) tmux('send-keys', '-t', name, k);
    },
    waitFor,
    exitCode: async () => {
      const s = await waitFor(/TXFS-EXIT:\d+/);
      return Number(/TXFS-EXIT:(\d+)/.exec(s)?.[1]);
    },
    close: () => {
      try {
        tmux('kill-session', '-t', name);
      } catch {
        // already gone
      }
    },
  };
};
