/**
 * Real faults for the compat suites, as root: immutable files and directories (chattr +i: EPERM even for root), child
 * processes under `ulimit -f` (EFBIG), `ulimit -n` (EMFILE), another uid (setpriv: EPERM on chown) or strace (which
 * fsyncs were made). Every flag set is cleared by the caller's `finally`, through the function that set it.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { TxfsError } from '../../src/errors.js';
import { isTempName } from '../../src/ops/tempName.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const isRoot = process.getuid?.() === 0;

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Sets `flag` (`+i`, `-i`) on `file`; true when chattr did it. */
export const chattr = (flag: string, file: string): boolean => spawnSync('chattr', [flag, file]).status === 0;

/** Whether `chattr +i` works in the temp directory (needs root and a filesystem with the flag). */
export const chattrWorks = ((): boolean => {
  if (!isRoot || !has('chattr')) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-chattr-'));
  const ok = chattr('+i', probe);
  chattr('-i', probe);
  fs.rmSync(probe, { recursive: true, force: true });
  return ok;
})();

/** Makes `file` immutable and returns the function that undoes it (call it in `finally`). */
export const immutable = (file: string): (() => void) => {
  if (!chattr('+i', file)) throw new Error(`chattr +i ${file} failed`);
  return () => void chattr('-i', file);
};

export const hasStrace = has('strace');
export const hasSetpriv = isRoot && has('setpriv');

/** The TxfsError `f` throws (the test fails when it throws anything else, or nothing). */
export const thrown = (f: () => unknown): TxfsError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TxfsError);
    return e as TxfsError;
  }
  throw new Error('expected a throw');
};

/** Names in `dir` that are txfs temp files. */
export const tempsIn = (dir: string): string[] => fs.readdirSync(dir).filter(isTempName);

/** What the child (`children/compatWriter.ts`) is asked to do. */
export interface ChildSpec {
  readonly api: 'wfa' | 'atomically';
  readonly form: 'async' | 'sync';
  readonly target: string;
  readonly bytes?: number;
  readonly text?: string;
  readonly options?: Record<string, unknown>;
  readonly created?: 'report' | 'exit' | 'wait';
  readonly holdFds?: boolean;
  readonly releaseAfterMs?: number;
}

/** The limits and wrappers a child runs under. */
export interface ChildLimits {
  /** ulimit -f, in KiB. */
  readonly fileSizeKiB?: number;
  /** ulimit -n. */
  readonly openFiles?: number;
  /** Run as uid and gid 65534 (nobody). */
  readonly nobody?: boolean;
  /** strace the child into this file (fsync, fdatasync and renames, with the paths of descriptors). */
  readonly straceTo?: string;
}

/** The command line that runs the child under `limits`. */
const commandOf = (spec: ChildSpec, limits: ChildLimits): string[] => {
  const node = [process.execPath, '--import', 'tsx', path.join(here, 'children', 'compatWriter.ts'), JSON.stringify(spec)];
  const traced = limits.straceTo === undefined ? node : ['strace', '-f', '-qq', '-y', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', '-o', limits.straceTo, ...node];
  const user = limits.nobody === true ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...traced] : traced;
  const ulimits = [limits.fileSizeKiB === undefined ? '' : `ulimit -f ${limits.fileSizeKiB};`, limits.openFiles === undefined ? '' : `ulimit -n ${limits.openFiles};`].join(' ');
  return ['bash', '-c', `${ulimits} exec "$@"`, '--', ...user];
};

/** What a child that ran to its end printed. */
export interface ChildOutcome {
  readonly result: { ok?: boolean; code?: string; message?: string; path?: string } | undefined;
  readonly lines: readonly string[];
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs the child to its end. */
export const runChild = (spec: ChildSpec, limits: ChildLimits = {}): ChildOutcome => {
  const [cmd = 'bash', ...args] = commandOf(spec, limits);
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: path.resolve(here, '../..') });
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const last = lines.find((l) => l.startsWith('result '));
  return {
    result: last === undefined ? undefined : (JSON.parse(last.slice('result '.length)) as ChildOutcome['result']),
    lines,
    status: r.status,
    signal: r.signal,
    stderr: r.stderr,
  };
};

/** Starts the child, resolves once it printed `created <temp>` (with the temp), and lets the caller end it. */
export const startChild = async (spec: ChildSpec): Promise<{ temp: string; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; signal: (s: NodeJS.Signals) => void }> => {
  const [cmd = 'bash', ...args] = commandOf(spec, {});
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(here, '../..') });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const temp = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /^created (.+)$/m.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    void ended.then(() => reject(new Error(`the child ended before creating its temp: ${out} ${err}`)));
  });
  return { temp, ended, signal: (s) => void child.kill(s) };
};
