/**
 * `txfs demo`: a narrated tour — an export in one transaction, a process killed in the middle of the next one,
 * recovery, an overwrite conflict, a corrupted file caught by verify, and its repair from the copy txfs kept of the
 * version it wrote (`backups.keepCurrent`).
 */
import * as path from 'node:path';
import { hasCode, TxfsError } from '../../errors.js';
import type { Store } from '../../types.js';
import type { CliContext } from '../cliIo.js';
import { formatBytes, shortSha } from '../format.js';
import { crashChildExport } from './crashChild.js';
import { addExport, exportContent, exportFiles } from './demoData.js';
import { listDisk } from './diskView.js';

/** What the demo found, for --json and for the test. */
export interface DemoSummary {
  readonly dir: string;
  readonly crashedTx: string;
  readonly recovered: boolean;
  readonly conflictRefused: boolean;
  readonly corruptionDetected: boolean;
  /** The damaged file holds again, byte for byte, the version export 2 wrote. */
  readonly repaired: boolean;
  /** The transaction that repaired it (undoable). */
  readonly repairTx: string;
}

/** Runs the demo in `dir` (which must be new or empty), narrating through `say`. Rejects when a step does not behave as told. */
export const runDemo = async (ctx: CliContext, dir: string, say: (line: string) => void): Promise<DemoSummary> => {
  const { fs } = ctx.io;
  const c = ctx.colors;
  const step = (n: number, title: string): void => say(`\n${c.bold(c.cyan(`${n}. ${title}`))}`);
  const showDisk = async (notes: Record<string, string> = {}): Promise<Map<string, string>> => {
    const files = await listDisk(fs, path.join(dir, 'export'));
    say(c.dim('   on disk in export/:'));
    for (const f of files) {
      const note = f.path.endsWith('.txfs-tmp') ? 'temp file of an unfinished transaction' : notes[f.path];
      say(`     ${f.path.padEnd(44)} ${formatBytes(f.size).padStart(8)}  sha256 ${shortSha(f.sha256)}${note === undefined ? '' : c.yellow(`  ← ${note}`)}`);
    }
    return new Map(files.map((f) => [`export/${f.path}`, f.sha256]));
  };
  // keepCurrent: a verified copy of each version written, so that a damaged file can get its current version back.
  const open = (): Promise<Store> => ctx.io.openStore({ root: dir, backups: { keepCurrent: true } });
  const fail = (what: string): never => {
    throw new TxfsError('EDEMO', `EDEMO: ${what}`);
  };

  say(c.bold('txfs demo: transactions, a crash, recovery, conflicts, integrity and backups'));
  say(`working in ${dir}`);

  step(1, 'A three-file export in one transaction');
  await fs.mkdir(path.join(dir, 'export'), { recursive: true });
  let store = await open();
  const first = await store.transaction((tx) => void addExport(tx, 1), { label: 'demo export 1' });
  say(`   committed transaction ${first.id}: ${first.files.map((f) => f.path).join(', ')} (each validated before commit)`);
  const v1 = await showDisk();
  await store.close();

  step(2, 'A second export, killed with SIGKILL in the middle');
  say('   a child process starts export 2; report.xml is a slow stream, so the transaction is still staging when…');
  const killed = await crashChildExport(ctx.io.self, dir);
  say(`   …child pid ${killed.pid} is killed with ${killed.signal} during transaction ${killed.txId}`);
  await showDisk();

  step(3, 'Recovery on the next open');
  store = await open();
  const r = store.recovery;
  say(`   openStore ran recovery: rolled back [${r.rolledBack.join(', ')}], rolled forward [${r.rolledForward.join(', ')}], removed ${r.tempFilesRemoved} temp file(s)`);
  const afterRecovery = await showDisk();
  const consistent = exportFiles.every((f) => afterRecovery.get(f) === v1.get(f)) && afterRecovery.size === exportFiles.length;
  const handled = r.rolledBack.includes(killed.txId) || r.rolledForward.includes(killed.txId);
  if (!consistent || !handled) fail(`recovery did not restore a consistent export (transaction ${killed.txId})`);
  say(c.green(`   ✔ The crash was recovered: all three files are the complete first export again and no temp file is left.`));

  step(4, 'Export 2 again, to completion');
  const second = await store.transaction((tx) => void addExport(tx, 2), { label: 'demo export 2 (retry)' });
  say(`   committed transaction ${second.id}; the replaced versions went to the backup store:`);
  for (const f of second.files) say(`     ${f.path} → backup ${f.backup?.id ?? '(none)'}`);
  await showDisk();

  step(5, 'An overwrite conflict');
  const target = 'export/report.xml';
  const theirs = exportContent(target, 3);
  let refused = false;
  try {
    await store.writeFile(target, theirs, { onExists: 'fail' });
  } catch (e) {
    if (!hasCode(e, 'ECONFLICT')) throw e;
    refused = true;
    say(`   with --on-exists fail the write is refused: ${e.message} (the CLI exits with 3)`);
  }
  if (!refused) fail('a write with onExists "fail" replaced an existing file');
  const both = await store.writeFile(target, theirs, { onExists: 'keep-both' });
  say(`   with --on-exists keep-both the new version lands beside it: ${both.path}`);
  await showDisk({ [path.basename(both.path)]: 'the new version, kept beside the existing one' });

  step(6, 'A corrupted file, caught by verify');
  const victim = 'export/orders.json';
  const handle = await fs.open(path.join(dir, victim), 'r+');
  try {
    await handle.write(Buffer.from('XX'), 0, 2, 0);
  } finally {
    await handle.close();
  }
  say(`   two bytes of ${victim} are overwritten behind txfs's back (a failing disk, a stray program)`);
  const report = await store.verify();
  for (const p of report.problems) say(`   ${c.red(p.kind)} ${p.path}: ${p.message}`);
  const detected = report.problems.some((p) => p.path === victim);
  if (!detected) fail(`verify did not report the corruption of ${victim}`);
  say(`   verify checked ${report.checked} file(s) and found the damage (txfs verify exits with 1)`);
  await showDisk({ 'orders.json': 'damaged: its checksum no longer matches the one recorded' });

  step(7, 'A repair: the version txfs wrote, back from its kept copy');
  const wrote = second.files.find((f) => f.path === victim)?.sha256 ?? fail(`export 2 reported no checksum for ${victim}`);
  const repair = await store.repair();
  const notRepaired = (): never => fail(`repair did not repair ${victim}: ${repair.unrepairable.map((u) => u.reason).join('; ')}`);
  const back = repair.versions.find((v) => v.path === victim) ?? notRepaired();
  const repairTx = repair.txId ?? notRepaired();
  if (back.sha256 !== wrote || back.writtenBy !== second.id) fail(`repair brought back another version of ${victim} (sha256 ${back.sha256}) than export 2 wrote (${wrote})`);
  const again = await store.verify([victim]);
  if (again.problems.length > 0) fail(`${victim} still fails verification after the repair`);
  say(`   repair transaction ${repairTx}: ${victim} holds again the version export 2 (transaction ${second.id}) wrote —`);
  say(`   ${formatBytes(back.size)}, sha256 ${shortSha(back.sha256)}, byte for byte, from the copy txfs kept of it when it was written`);
  say(`   ${victim} now holds: ${String(await store.readFile(victim, { encoding: 'utf8' })).replace(/\s+/g, ' ').trim()}`);
  for (const b of await store.backups.list(victim)) {
    const what = b.current === true ? 'the kept copy of the current version' : b.damaged === true ? 'the damaged bytes, kept but never picked by a plain restore' : 'an earlier version';
    say(`     backup ${b.id}  sha256 ${shortSha(b.sha256)}  ${what}`);
  }
  say(`   the repair is a transaction like any other: txfs undo ${repairTx} would put the damaged bytes back`);
  await showDisk();
  await store.close();

  say(`\n${c.green('Done.')} Everything is still in ${dir} — try: txfs --root ${dir} log`);
  return { dir, crashedTx: killed.txId, recovered: true, conflictRefused: refused, corruptionDetected: detected, repaired: true, repairTx };
};
