/**
 * Recovery's decisions, without I/O: from a transaction record and what the disk shows of its files, the
 * steps that finish it. `staging` → roll back; `committing` → roll forward when every staged file can still be
 * put in place, otherwise roll back from the backups (and report it); `committed` but still open → clean up.
 */
import { transientBackups, type OpRecord, type TxRecord } from '../journal/records/txRecord.js';
import { tempFileName } from '../ops/tempName.js';

/** A path in the store (`root`) or in the backup directory (`backups`), relative with `/`. */
export interface Loc {
  readonly base: 'root' | 'backups';
  readonly rel: string;
}

/** What the disk shows of one operation's files (only what the plan needs). */
export interface OpObservation {
  /** The temp file is there and holds the staged content. */
  readonly tempValid: boolean;
  /** The target holds the staged content. */
  readonly targetIsNew: boolean;
  readonly backupPresent: boolean;
  readonly sourceBackupPresent: boolean;
  /** For mkdir: the directory is there. */
  readonly dirPresent: boolean;
}

/** One step of recovery. File steps tolerate what an earlier, interrupted recovery already did. */
export type Step =
  | { readonly kind: 'rename'; readonly from: Loc; readonly to: Loc }
  /** Put a backup back: link it to `temp` beside the target, rename that over the target. The backup stays. */
  | { readonly kind: 'restore'; readonly backup: Loc; readonly temp: Loc; readonly target: Loc }
  | { readonly kind: 'unlink'; readonly path: Loc; readonly temp?: boolean }
  | { readonly kind: 'mkdir'; readonly path: Loc }
  | { readonly kind: 'rmdir'; readonly path: Loc }
  | { readonly kind: 'markRollBack' };

/** How a record ends. */
export type Outcome = 'rolled-forward' | 'rolled-back' | 'closed';

/**
 * The plan for one record: file steps in order, the directories to fsync, then the files that may go only once those
 * fsyncs are done (backups a restore or a roll-forward no longer needs), then the journal's final word.
 */
export interface RecoveryPlan {
  readonly outcome: Outcome;
  readonly steps: readonly Step[];
  /** Directories to fsync once, after the steps. */
  readonly syncDirs: readonly Loc[];
  /** Removed after `syncDirs` are durable (their own directories fsynced too). */
  readonly cleanup: readonly Loc[];
  readonly problem?: { readonly path?: string; readonly code: string; readonly message: string };
}

const root = (rel: string): Loc => ({ base: 'root', rel });
const backups = (rel: string): Loc => ({ base: 'backups', rel });
const parent = (l: Loc): Loc => ({ base: l.base, rel: l.rel.includes('/') ? l.rel.slice(0, l.rel.lastIndexOf('/')) : '' });

const puts = (op: OpRecord): boolean => op.kind === 'write' || op.kind === 'copy' || op.kind === 'rename';

const uniqueDirs = (locs: readonly Loc[]): Loc[] => {
  const seen = new Map<string, Loc>();
  for (const l of locs.map(parent)) seen.set(`${l.base}:${l.rel}`, l);
  return [...seen.values()];
};

/** Every file a transaction may have created before its commit point, to be removed. */
const createdFiles = (op: OpRecord): Step[] => [
  ...(op.temp === undefined ? [] : [{ kind: 'unlink' as const, path: root(op.temp), temp: true }]),
  ...(op.backup === undefined ? [] : [{ kind: 'unlink' as const, path: backups(op.backup) }]),
  ...(op.sourceBackup === undefined ? [] : [{ kind: 'unlink' as const, path: backups(op.sourceBackup) }]),
  ...(op.current === undefined ? [] : [{ kind: 'unlink' as const, path: backups(op.current) }]),
];

const fileLocs = (steps: readonly Step[]): Loc[] =>
  steps.flatMap((s) => {
    switch (s.kind) {
      case 'rename':
        return [s.from, s.to];
      case 'restore':
        return [s.temp, s.target];
      case 'markRollBack':
        return [];
      default:
        return [s.path];
    }
  });

/**
 * The name a restore stages a backup under, beside its target: a temp name of the transaction, past its op numbers,
 * by staging's own rule (`tempFileName`: a long target name is cut so that the temp keeps to NAME_MAX).
 * @throws TypeError when the record's id cannot be part of a temp name (empty, or holding `.` or `/`).
 */
export const restoreTemp = (rec: TxRecord, target: string, n: number): Loc => {
  const slash = target.lastIndexOf('/');
  const dir = slash < 0 ? '' : target.slice(0, slash + 1);
  return root(`${dir}${tempFileName(target.slice(slash + 1), rec.id, rec.ops.length + n)}`);
};

const backupNames = (op: OpRecord): Loc[] => [
  ...(op.backup === undefined ? [] : [backups(op.backup)]),
  ...(op.sourceBackup === undefined ? [] : [backups(op.sourceBackup)]),
  ...(op.current === undefined ? [] : [backups(op.current)]),
];

/** Backups that only protected a transaction that commits (not kept in the index), and every skipped operation's. */
const transientNames = (rec: TxRecord): Loc[] => transientBackups(rec).map(backups);

/** Roll back a transaction that never reached its commit point. */
export const planRollBack = (rec: TxRecord): RecoveryPlan => {
  const removals = rec.ops.flatMap(createdFiles);
  const rmdirs: Step[] = [...rec.ops].reverse().flatMap((op) => (op.kind === 'mkdir' && !op.existed ? [{ kind: 'rmdir' as const, path: root(op.target) }] : []));
  const steps = [...removals, ...rmdirs];
  return { outcome: 'rolled-back', steps, syncDirs: uniqueDirs(fileLocs(steps)), cleanup: [] };
};

/**
 * Put every replaced or removed file back from its backup, remove everything new. A backup is linked back, never
 * moved: it stays until the restored file's directory is durable, so a crash in between cannot lose both.
 */
const planFromBackups = (rec: TxRecord, obs: readonly OpObservation[], why: RecoveryPlan['problem']): RecoveryPlan => {
  const steps: Step[] = rec.rollBack === true ? [] : [{ kind: 'markRollBack' }];
  const restore = (backup: string, target: string, n: number): Step[] => [
    { kind: 'restore', backup: backups(backup), temp: restoreTemp(rec, target, n), target: root(target) },
    { kind: 'unlink', path: restoreTemp(rec, target, n), temp: true },
  ];
  for (let i = rec.ops.length - 1; i >= 0; i--) {
    const op = rec.ops[i];
    const o = obs[i];
    if (op === undefined || o === undefined) continue;
    if (op.temp !== undefined) steps.push({ kind: 'unlink', path: root(op.temp), temp: true });
    if (op.skipped === true) continue;
    if (op.kind === 'mkdir') {
      if (!op.existed) steps.push({ kind: 'rmdir', path: root(op.target) });
      continue;
    }
    if (op.backup !== undefined && o.backupPresent) steps.push(...restore(op.backup, op.target, 2 * i));
    else if (puts(op) && !op.existed && o.targetIsNew) steps.push({ kind: 'unlink', path: root(op.target) });
    if (op.kind === 'rename' && op.source !== undefined && op.sourceBackup !== undefined && o.sourceBackupPresent) {
      steps.push(...restore(op.sourceBackup, op.source, 2 * i + 1));
    }
  }
  return {
    outcome: 'rolled-back',
    steps,
    syncDirs: uniqueDirs(fileLocs(steps)),
    cleanup: rec.ops.flatMap(backupNames),
    ...(why === undefined ? {} : { problem: why }),
  };
};

/**
 * Plans the recovery of `rec` from `obs` (one observation per operation, in order).
 * A final record that is still open only needs its transient backups removed ('closed').
 * @example planRecovery(stagingRecord, []) // { outcome: 'rolled-back', steps: [unlink temps, backups…], … }
 */
export const planRecovery = (rec: TxRecord, obs: readonly OpObservation[]): RecoveryPlan => {
  if (rec.state === 'committed' || rec.state === 'rolled-back') return { outcome: 'closed', steps: [], syncDirs: [], cleanup: rec.state === 'committed' ? transientNames(rec) : [] };
  if (rec.state === 'staging') return planRollBack(rec);
  if (rec.rollBack === true) return planFromBackups(rec, obs, undefined);
  const lost = rec.ops.findIndex((op, i) => op.skipped !== true && puts(op) && obs[i]?.tempValid !== true && obs[i]?.targetIsNew !== true);
  if (lost >= 0) {
    const op = rec.ops[lost];
    return planFromBackups(rec, obs, {
      ...(op === undefined ? {} : { path: op.target }),
      code: 'EINTEGRITY',
      message: `transaction ${rec.id} reached its commit point but the new content of ${op?.target ?? '?'} is gone (temp file lost or damaged); every file was put back as it was before`,
    });
  }
  const steps: Step[] = [];
  for (const [i, op] of rec.ops.entries()) {
    const o = obs[i];
    if (op.skipped === true) {
      steps.push(...createdFiles(op));
      continue;
    }
    if (puts(op) && op.temp !== undefined) {
      // A temp that is not intact is never put in place; the target already holds the new content then.
      steps.push(o?.tempValid === true ? { kind: 'rename', from: root(op.temp), to: root(op.target) } : { kind: 'unlink', path: root(op.temp), temp: true });
    }
    if (op.kind === 'rename' && op.source !== undefined) steps.push({ kind: 'unlink', path: root(op.source) });
    if (op.kind === 'delete') steps.push({ kind: 'unlink', path: root(op.target) });
    if (op.kind === 'mkdir' && o?.dirPresent !== true) steps.push({ kind: 'mkdir', path: root(op.target) });
  }
  const dirs = [...fileLocs(steps), ...rec.ops.flatMap((op) => (op.skipped === true ? [] : [root(op.target), ...(op.source === undefined ? [] : [root(op.source)])]))];
  return { outcome: 'rolled-forward', steps, syncDirs: uniqueDirs(dirs), cleanup: transientNames(rec) };
};
