/**
 * A throwaway PostgreSQL server for the tests and the bench (one harness for both): the binaries found under
 * /usr/lib/postgresql/<version>/bin (newest first) or on PATH; a cluster made by initdb in a temp directory, listening
 * on a unix socket in that directory only (no TCP port), stopped and removed at the end. initdb refuses to run as
 * root, so as root every server command runs as the `postgres` user (`runuser`), which owns the directory.
 * A server is plain data (it crosses process boundaries: the test workers find the one a run started in a file).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The file, in a test run's directory, describing the run's server (`test/support/sharedPostgres.ts`). */
export const SERVER_FILE = 'server.json';

/** The file, in a server's directory, holding the pid of the process that started it. */
const OWNER_FILE = 'owner.pid';
const PREFIX = 'txfs-pg-';

/** The tools a server needs. */
const TOOLS = ['initdb', 'pg_ctl', 'postgres'] as const;

/** A running (or stopped) throwaway server. */
export interface PostgresServer {
  /** What `postgresJournal({ connectionString })` takes. */
  readonly url: string;
  /** The temp directory holding everything (removed by `removePostgres`). */
  readonly dir: string;
  readonly dataDir: string;
  readonly binDir: string;
  /** The user the server runs as when we are root, else undefined (ourselves). */
  readonly runAs: string | undefined;
}

const hasTools = (dir: string): boolean => TOOLS.every((t) => fs.existsSync(path.join(dir, t)));

const versionOf = (dir: string): number => Number(/postgresql\/(\d+)/.exec(dir)?.[1] ?? 0);

/**
 * Where PostgreSQL's server binaries are: `{ binDir }`, or `{ missing }` saying where they were looked for.
 * `TXFS_POSTGRES_BIN` names the directory explicitly.
 */
export const findPostgres = (): { readonly binDir: string } | { readonly missing: string } => {
  const given = process.env.TXFS_POSTGRES_BIN;
  if (given !== undefined && given !== '') {
    return hasTools(given) ? { binDir: given } : { missing: `TXFS_POSTGRES_BIN=${given} does not hold ${TOOLS.join(', ')}` };
  }
  const debian = '/usr/lib/postgresql';
  const versions = fs.existsSync(debian) ? fs.readdirSync(debian).map((v) => path.join(debian, v, 'bin')) : [];
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  const found = [...versions.sort((a, b) => versionOf(b) - versionOf(a)), ...onPath].find(hasTools);
  return found === undefined ? { missing: `no ${TOOLS.join(', ')} under ${debian}/*/bin or on PATH (Debian: apt-get install postgresql)` } : { binDir: found };
};

/** Runs a server tool (as the server's user when we are root). */
const tool = async (server: Pick<PostgresServer, 'binDir' | 'runAs'>, name: string, args: readonly string[]): Promise<string> => {
  const bin = path.join(server.binDir, name);
  const [file, argv] = server.runAs === undefined ? [bin, args] : ['runuser', ['-u', server.runAs, '--', bin, ...args]];
  try {
    const { stdout } = await run(file, argv, { timeout: 120_000 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${name} ${args.join(' ')} failed: ${err.stderr ?? ''}${err.message}`);
  }
};

const userIds = async (user: string): Promise<{ uid: number; gid: number }> => {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(`running as root, the PostgreSQL server needs a "${user}" user to run as (initdb refuses root); none was found`);
  }
};

/** Options of `startPostgres`. */
export interface StartOptions {
  /** Default true. False only where durability is not what is measured (never in the bench). */
  readonly fsync?: boolean;
  /** Default 200: the tests' pools and child processes together. */
  readonly maxConnections?: number;
  /** The process whose death makes the server an orphan (`sweepOrphans`); default this one. */
  readonly ownerPid?: number;
}

/**
 * Makes a cluster in a new temp directory and starts it; the caller stops and removes it (`removePostgres`).
 * Throws an Error saying what failed (binaries missing, initdb or pg_ctl failing, no `postgres` user as root).
 */
export const startPostgres = async (options: StartOptions = {}): Promise<PostgresServer> => {
  const found = findPostgres();
  if ('missing' in found) throw new Error(`PostgreSQL server binaries not found: ${found.missing}`);
  const runAs = process.getuid?.() === 0 ? 'postgres' : undefined;
  // Short: a unix socket's path has a limit of about 107 bytes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
  if (runAs !== undefined) {
    const { uid, gid } = await userIds(runAs);
    fs.chownSync(dir, uid, gid);
  }
  // Who started it: a server whose starter died without stopping it is swept by the next `sweepOrphans`.
  fs.writeFileSync(path.join(dir, OWNER_FILE), String(options.ownerPid ?? process.pid));
  const server: PostgresServer = {
    url: `postgresql:///postgres?host=${encodeURIComponent(dir)}&port=5432&user=postgres`,
    dir,
    dataDir: path.join(dir, 'data'),
    binDir: found.binDir,
    runAs,
  };
  try {
    await tool(server, 'initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const settings = [
      "listen_addresses = ''",
      `unix_socket_directories = '${dir}'`,
      'port = 5432',
      `max_connections = ${options.maxConnections ?? 200}`,
      'shared_buffers = 16MB',
      `fsync = ${options.fsync === false ? 'off' : 'on'}`,
    ];
    // In the cluster's own configuration file: every later start and restart keeps them.
    fs.appendFileSync(path.join(server.dataDir, 'postgresql.conf'), `\n${settings.join('\n')}\n`);
    await resumePostgres(server);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return server;
};

/** Stops the server (`mode` as pg_ctl's `-m`: 'fast' by default; 'immediate' is a crash of the server). */
export const stopPostgres = async (server: PostgresServer, { mode = 'fast' }: { readonly mode?: 'fast' | 'immediate' } = {}): Promise<void> => {
  await tool(server, 'pg_ctl', ['-D', server.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
};

/** Starts the (stopped) server. */
export const resumePostgres = async (server: PostgresServer): Promise<void> => {
  await tool(server, 'pg_ctl', ['-D', server.dataDir, '-l', path.join(server.dir, 'server.log'), '-w', '-t', '60', 'start']);
};

/** `pg_ctl restart -m <mode>`: every connection is cut; with 'immediate', as a crash of the server would. */
export const restartPostgres = async (server: PostgresServer, { mode }: { readonly mode: 'fast' | 'immediate' }): Promise<void> => {
  await tool(server, 'pg_ctl', ['-D', server.dataDir, '-l', path.join(server.dir, 'server.log'), '-m', mode, '-w', '-t', '60', 'restart']);
};

/** Stops the server if it runs and removes its directory. Never throws for a server already gone. */
export const removePostgres = async (server: PostgresServer): Promise<void> => {
  if (fs.existsSync(path.join(server.dataDir, 'postmaster.pid'))) await stopPostgres(server, { mode: 'immediate' }).catch(() => undefined);
  fs.rmSync(server.dir, { recursive: true, force: true });
};

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
};

/**
 * Stops and removes the servers left by processes that died without stopping theirs (a test run or a bench killed
 * half-way). Returns how many it removed. Never throws.
 */
export const sweepOrphans = async (): Promise<number> => {
  const found = findPostgres();
  if ('missing' in found) return 0;
  let swept = 0;
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    let owner: number;
    try {
      owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue;
    }
    if (!Number.isSafeInteger(owner) || owner <= 0 || isRunning(owner)) continue;
    const runAs = fs.statSync(dir).uid === process.getuid?.() ? undefined : 'postgres';
    await removePostgres({ url: '', dir, dataDir: path.join(dir, 'data'), binDir: found.binDir, runAs }).catch(() => undefined);
    swept++;
  }
  return swept;
};
