/**
 * The `txfs` command line: global options, every command, help text and exit codes.
 */
import { Command, CommanderError } from 'commander';
import type { ExitBox } from './action.js';
import type { CliIo } from './cliIo.js';
import { registerBackups } from './commands/backups.js';
import { registerChecksum } from './commands/checksum.js';
import { registerDemo } from './commands/demo.js';
import { registerLog } from './commands/log.js';
import { registerRecover } from './commands/recover.js';
import { registerRepair } from './commands/repair.js';
import { registerRm } from './commands/rm.js';
import { registerStatus } from './commands/status.js';
import { registerUndo } from './commands/undo.js';
import { registerVerify } from './commands/verify.js';
import { registerWatch } from './commands/watch.js';
import { registerWrite } from './commands/write.js';
import { createContext, type GlobalOptions } from './context.js';
import { errorLine } from './errorLine.js';
import { errorReport } from './errorReport.js';
import { ExitCode, exitCodeFor } from './exitCodes.js';
import { UsageError } from './usageError.js';

const examples = `
Examples:
  $ cat report.json | txfs write out/report.json --validate json
  $ txfs write a.csv b.csv --from staging/ --on-exists ask
  $ txfs rm old.txt && txfs backups restore old.txt
  $ txfs verify --json | jq '.problems'
  $ txfs demo

Exit codes: 0 ok, 1 operation failed, 2 usage error, 3 conflict declined or cancelled.
Environment: NO_COLOR turns colours off; TXFS_DEBUG=1 prints stack traces with errors.`;

/** The commander program, with every command registered; the exit code of the command that ran is put in `exit`. */
export const buildProgram = (io: CliIo, exit: ExitBox): Command => {
  const program = new Command('txfs')
    .description('Transactional file operations: atomic writes, crash recovery, verified backups.')
    .option('--root <dir>', 'the store root (default: the current directory)')
    .option('--json', 'print results as JSON, for scripts')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .exitOverride()
    .addHelpText('after', examples);
  for (const register of [
    registerWrite,
    registerRm,
    registerRecover,
    registerStatus,
    registerLog,
    registerUndo,
    registerBackups,
    registerVerify,
    registerRepair,
    registerChecksum,
    registerWatch,
    registerDemo,
  ]) {
    register(program, io, exit);
  }
  return program;
};

/** A usage error commander reported (it has already printed it on stderr), as the CLI's own usage error. */
const usageErrorOf = (e: CommanderError): UsageError =>
  new UsageError(e.code === 'commander.help' ? 'no command given: run txfs --help to see the commands' : e.message.replace(/^error: /, ''));

/**
 * Runs `txfs` with `argv` (the arguments after the program name) and resolves with the exit code; every error
 * is printed as one line on stderr (with its stack when TXFS_DEBUG=1) and, with --json, as a JSON document on stdout
 * (`errorReport`). Never rejects.
 */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<ExitCode> => {
  const exit: ExitBox = { code: ExitCode.ok };
  const program = buildProgram(io, exit);
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit.code;
  } catch (e) {
    // Commander sets the global options as it reads them, so --json is known even when parsing failed after it.
    const ctx = createContext(io, program.opts<GlobalOptions>());
    let error = e;
    if (e instanceof CommanderError) {
      // Help and version are not errors; commander has already printed every usage error on stderr.
      if (e.exitCode === 0) return ExitCode.ok;
      error = usageErrorOf(e);
    } else {
      const code = exitCodeFor(e);
      io.stderr.write(`${ctx.colors.red(code === ExitCode.declined ? 'txfs: stopped:' : 'txfs: error:')} ${errorLine(e, ctx.debug)}\n`);
    }
    if (ctx.json) io.stdout.write(`${JSON.stringify(errorReport(error))}\n`);
    return exitCodeFor(error);
  }
};
