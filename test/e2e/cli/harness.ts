/**
 * Runs the `txfs` CLI as a real child process: the built code when it is up to date, else the TypeScript sources
 * through tsx (so no build is needed while working on the sources).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The CLI entry point. */
export const cliEntry = path.join(repoRoot, 'src/cli/main.ts');

/** The tsx loader, by absolute URL so that the CLI can run from any working directory. */
export const tsxLoader = import.meta.resolve('tsx');

/** The built entry point (`npm run build`). */
export const distEntry = path.join(repoRoot, 'dist/cli/main.js');

const newestMtime = (dir: string): number => {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
};

/**
 * Whether the built CLI is at least as new as every source file (as after `npm test`'s build step): then it is
 * run directly, which starts about twice as fast; otherwise the sources run through tsx.
 */
export const usesBuild = ((): boolean => {
  try {
    return fs.statSync(distEntry).mtimeMs >= newestMtime(path.join(repoRoot, 'src'));
  } catch {
    return false;
  }
})();

/** The argv that starts the CLI: node and the built entry, or node, the tsx loader and the source entry. */
export const cliCommand = (): string[] => (usesBuild ? [process.execPath, distEntry] : [process.execPath, '--import', tsxLoader, cliEntry]);

/** What a run produced. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of a run. */
export interface RunOptions {
  readonly cwd?: string;
  /** Written to stdin, which is then closed (default: nothing, closed at once). */
  readonly input?: string | Buffer;
  readonly env?: Record<string, string | undefined>;
}

/** Runs `txfs args…` and resolves when it exits. */
export const runTxfs = (args: readonly string[], options: RunOptions = {}): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const [exe, ...pre] = cliCommand();
    const env: Record<string, string | undefined> = { ...process.env, TXFS_DEBUG: undefined, FORCE_COLOR: undefined, ...options.env };
    const child = spawn(exe ?? process.execPath, [...pre, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });

/** Runs `txfs --json --root <root> args…`, expects `code`, and parses stdout as JSON. */
export const runJson = async <A = unknown>(root: string, args: readonly string[], code = 0, options: RunOptions = {}): Promise<A> => {
  const r = await runTxfs(['--root', root, '--json', ...args], options);
  if (r.code !== code) throw new Error(`txfs ${args.join(' ')} exited ${r.code} (wanted ${code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as A;
};

/** A fresh temp directory; remove it with `removeDir`. */
export const tempDir = (prefix = 'txfs-cli-'): string => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));

/** Removes a temp directory. */
export const removeDir = (dir: string): void => fs.rmSync(dir, { recursive: true, force: true });
