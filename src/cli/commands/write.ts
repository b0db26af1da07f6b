/**
 * `txfs write <file…> [--from PATH|-]`: an atomic, journalled write of one file, or of several in one transaction.
 */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { hasCode, TxfsError } from '../../errors.js';
import { validators } from '../../integrity/validators.js';
import type { ConflictPolicy, Data, TxResult, Validator, WriteResult } from '../../types.js';
import { action, argList, type ExitBox } from '../action.js';
import type { CliContext, CliIo } from '../cliIo.js';
import { createConflictPrompt, type IncomingFile } from '../conflictPrompt.js';
import { localPath, storePath, withStore } from '../context.js';
import { formatBytes, shortSha } from '../format.js';
import { printResult } from '../output.js';
import { createProgress, withByteProgress } from '../progress.js';
import { UsageError } from '../usageError.js';

/** Streams of at least this size get a progress bar (on a terminal). */
const progressThreshold = 8 * 1024 * 1024;

interface WriteFlags {
  readonly from?: string;
  readonly onExists: 'ask' | 'overwrite' | 'skip' | 'rename' | 'keep-both' | 'fail';
  readonly validate?: 'json' | 'xml' | 'csv';
  readonly checksum?: boolean;
  readonly mkdir?: boolean;
}

interface Source {
  readonly data: Data;
  readonly incoming: IncomingFile;
}

const validatorFor = (name: WriteFlags['validate']): Validator[] =>
  name === 'json' ? [validators.json()] : name === 'xml' ? [validators.xml()] : name === 'csv' ? [validators.csv()] : [];

/** The size of stdin when it is a file redirected in (`< big.bin`), for the progress bar; undefined for a pipe. */
const redirectedSize = async (ctx: CliContext): Promise<number | undefined> => {
  try {
    const st = await ctx.io.fs.stat('/dev/stdin');
    return st.kind === 'file' ? st.size : undefined;
  } catch (e) {
    // No /dev/stdin on this system, or stdin is closed: then there is simply no size to show.
    if (hasCode(e, 'ENOENT', 'ENXIO', 'EACCES')) return undefined;
    throw e;
  }
};

/** Opens one source: a file through the FileSystem (with a progress bar when large), or stdin. */
const openSource = async (ctx: CliContext, from: string | undefined): Promise<Source> => {
  if (from === undefined || from === '-') {
    if (from === undefined && ctx.io.stdin.isTTY === true) {
      throw new UsageError('no content to write: pass --from PATH, or pipe the content in (txfs write FILE --from - < data)');
    }
    const size = ctx.progress ? await redirectedSize(ctx) : undefined;
    if (size !== undefined && size >= progressThreshold) {
      const chunks = ctx.io.stdin as unknown as AsyncIterable<Uint8Array>;
      return { data: withByteProgress(chunks, size, createProgress(ctx, 'writing', 'bytes')), incoming: { size, source: 'stdin' } };
    }
    return { data: ctx.io.stdin, incoming: { source: 'stdin' } };
  }
  const abs = localPath(ctx, from);
  const st = await ctx.io.fs.stat(abs);
  const incoming: IncomingFile = { size: st.size, mtime: new Date(st.mtimeMs), source: from };
  const stream = ctx.io.fs.readStream(abs);
  const data = ctx.progress && st.size >= progressThreshold ? withByteProgress(stream, st.size, createProgress(ctx, 'writing', 'bytes')) : stream;
  return { data, incoming };
};

const policyFor = (ctx: CliContext, flags: WriteFlags, sources: ReadonlyMap<string, IncomingFile>): ConflictPolicy => {
  if (flags.onExists !== 'ask') return flags.onExists;
  return createConflictPrompt({
    prompter: ctx.io.prompter,
    colors: ctx.colors,
    print: (line) => ctx.io.stderr.write(`${line}\n`),
    incoming: (p) => sources.get(p),
    files: sources.size,
  });
};

/** Turns ENOENT from a missing parent directory into a line that says which directory and which flag creates it. */
const explainMissingDir = async (ctx: CliContext, targets: readonly string[], e: unknown): Promise<never> => {
  if (hasCode(e, 'ENOENT')) {
    for (const target of targets) {
      const dir = path.dirname(path.resolve(ctx.root, target));
      try {
        await ctx.io.fs.stat(dir);
      } catch (missing) {
        if (!hasCode(missing, 'ENOENT')) throw e;
        throw new TxfsError('ENOENT', `ENOENT: the directory ${dir} does not exist: create it, or pass --mkdir`, {
          path: dir,
          cause: e,
        });
      }
    }
  }
  throw e;
};

const humanWrite = (ctx: CliContext, r: WriteResult, asked: string): string[] => {
  const c = ctx.colors;
  if (r.status === 'skipped') return [`${c.yellow('skipped')} ${asked}: it exists and was left as it is`];
  const where = r.path === asked ? r.path : `${r.path} ${c.dim(`(instead of ${asked})`)}`;
  const lines = [`${c.green('wrote')} ${where}  ${formatBytes(r.size)}  sha256 ${shortSha(r.sha256)}`];
  if (r.backup !== undefined) lines.push(`  previous version kept as backup ${r.backup.id}`);
  return lines;
};

const humanTx = (ctx: CliContext, r: TxResult<unknown>): string[] => [
  `${ctx.colors.green(r.status)} transaction ${r.id}`,
  ...r.files.map((f) => `  ${f.action.padEnd(8)} ${f.path}${f.sha256 === undefined ? '' : `  sha256 ${shortSha(f.sha256)}`}`),
];

/** Registers `write`. */
export const registerWrite = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('write')
    .description('write a file atomically through the journal (several files: one transaction)')
    .argument('<file...>', 'target file(s), relative to the root')
    .option('--from <path>', 'read the content from PATH (a directory when several files are given), or - for stdin')
    .addOption(
      new Option('--on-exists <policy>', 'what to do when the target exists').choices(['ask', 'overwrite', 'skip', 'rename', 'keep-both', 'fail']).default('overwrite'),
    )
    .addOption(new Option('--validate <format>', 'refuse content that does not parse').choices(['json', 'xml', 'csv']))
    .option('--checksum', 'also write FILE.sha256 (sha256sum format)')
    .option('--mkdir', 'create missing parent directories')
    .addHelpText(
      'after',
      `
Content comes from --from PATH, or from stdin. The replaced version is kept as a backup.
With --on-exists ask (on a terminal) txfs shows both files and asks: Overwrite, Skip, Rename, Keep both or Cancel.

Examples:
  $ txfs write settings.json --from new-settings.json --validate json
  $ pg_dump mydb | txfs write backups/mydb.sql
  $ txfs write a.csv b.csv c.csv --from export/ --on-exists ask   # one transaction, all or nothing`,
    )
    .action(
      action(io, exit, async (ctx, cmd) => {
        const files = argList(cmd, 0);
        const flags = cmd.opts<WriteFlags>();
        if (flags.onExists === 'ask' && !ctx.interactive) {
          const piped = ctx.io.stderr.isTTY === true && (flags.from === undefined || flags.from === '-');
          throw new UsageError(
            piped
              ? '--on-exists ask reads answers from the terminal, but stdin carries the content: pass --from FILE, or --on-exists overwrite, skip, rename, keep-both or fail'
              : '--on-exists ask needs a terminal to ask on: pass --on-exists overwrite, skip, rename, keep-both or fail instead',
          );
        }
        const validate = validatorFor(flags.validate);
        if (files.length === 1) {
          const target = storePath(files[0] ?? '');
          const source = await openSource(ctx, flags.from);
          const onExists = policyFor(ctx, flags, new Map([[target, source.incoming]]));
          const result = await withStore(ctx, (store) =>
            store.writeFile(target, source.data, {
              onExists,
              validate,
              ...(flags.checksum === true ? { checksumFile: true } : {}),
              ...(flags.mkdir === true ? { mkdirp: true } : {}),
            }),
          ).catch((e: unknown) => explainMissingDir(ctx, [target], e));
          printResult(ctx, result, () => humanWrite(ctx, result, target));
          return;
        }
        if (flags.from === undefined || flags.from === '-') {
          throw new UsageError('several files need --from DIR: each FILE is read from DIR/FILE');
        }
        const dir = flags.from;
        const sources = new Map<string, Source>();
        for (const file of files) sources.set(storePath(file), await openSource(ctx, path.join(dir, file)));
        const onExists = policyFor(ctx, flags, new Map([...sources].map(([k, v]) => [k, v.incoming])));
        const result = await withStore(ctx, (store) =>
          store.transaction(
            (tx) => {
              for (const [target, source] of sources) {
                tx.writeFile(target, source.data, { validate, ...(flags.checksum === true ? { checksumFile: true } : {}) });
              }
            },
            { onExists, label: `txfs write ${files.length} files` },
          ),
        ).catch((e: unknown) => explainMissingDir(ctx, [...sources.keys()], e));
        printResult(ctx, result, () => humanTx(ctx, result));
      }),
    );
};
