/**
 * `txfs checksum <file>` / `txfs checksum --check <file>`: write or check the sha256sum sidecar `<file>.sha256`.
 */
import type { Command } from 'commander';
import { hashFile } from '../../integrity/sha256.js';
import { checkSidecar, checksumFilePath } from '../../integrity/sidecar.js';
import { writeChecksumFile } from '../../ops/writeChecksumFile.js';
import { action, argList, type ExitBox } from '../action.js';
import type { CliIo } from '../cliIo.js';
import { resolveInRoot } from '../context.js';
import { ExitCode } from '../exitCodes.js';
import { printResult } from '../output.js';

/** Registers `checksum`. */
export const registerChecksum = (program: Command, io: CliIo, exit: ExitBox): void => {
  program
    .command('checksum')
    .description('write FILE.sha256 (sha256sum format), or check it with --check (exit 1 on a mismatch)')
    .argument('<file...>', 'file(s), relative to the root')
    .option('-c, --check', 'check the sidecar instead of writing it')
    .action(
      action(io, exit, async (ctx, cmd) => {
        const files = argList(cmd, 0);
        const check = cmd.opts<{ check?: boolean }>().check === true;
        const results: Array<{ path: string; sha256?: string; ok?: boolean }> = [];
        const targets = await resolveInRoot(ctx, files);
        // The sidecar is a path of its own: a link in its place leading out is refused like the file itself.
        await resolveInRoot(ctx, targets.map((t) => checksumFilePath(t.rel)));
        for (const [i, { abs }] of targets.entries()) {
          const file = files[i] ?? abs;
          if (check) results.push({ path: file, ok: await checkSidecar(ctx.io.fs, abs) });
          else {
            const sha256 = await hashFile(ctx.io.fs, abs);
            await writeChecksumFile(ctx.io.fs, abs, sha256);
            results.push({ path: file, sha256 });
          }
        }
        const c = ctx.colors;
        printResult(ctx, results, () =>
          results.map((r) =>
            r.ok === undefined ? `${r.sha256 ?? ''}  ${r.path}  ${c.dim(`→ ${r.path}.sha256`)}` : `${r.path}: ${r.ok ? c.green('OK') : c.red('FAILED')}`,
          ),
        );
        return results.some((r) => r.ok === false) ? ExitCode.failed : ExitCode.ok;
      }),
    );
};
