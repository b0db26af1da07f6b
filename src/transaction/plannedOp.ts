/**
 * An operation of a transaction as the commit protocol carries it from step to step, and its journal form.
 */
import * as path from 'node:path';
import type { FileStat } from '../fs/fileSystem.js';
import type { ConflictPolicy, Data, OpOptions, TxFileResult } from '../types.js';
import type { Fingerprint } from './fingerprint.js';
import type { StorePath } from './paths.js';
import type { Content, ManifestEntry, OpKind, OpRecord } from '../journal/records/txRecord.js';

/** One operation, resolved. Mutable fields are filled in by the protocol's steps. */
export interface PlannedOp {
  readonly index: number;
  readonly kind: OpKind;
  target: StorePath;
  readonly source?: StorePath;
  data?: Data;
  readonly options: OpOptions;
  /** The policy for a conflict on this operation's target (its own `onExists`, else the transaction's), if any. */
  readonly onExists?: ConflictPolicy | undefined;
  /** A `<target>.sha256` sidecar: the index of the operation whose checksum it holds (its data is known once that is staged). */
  readonly sidecarOf?: number;
  /** The target's fingerprint when the operation was added (or pinned by `expect`). */
  before: Fingerprint;
  manifest: ManifestEntry | undefined;
  readonly sourceBefore?: Fingerprint;
  readonly sourceManifest?: ManifestEntry | undefined;
  skipped: boolean;
  /** Absolute temp path (write, copy, rename). */
  temp?: string;
  /** Backup of the target, relative to the backup directory. */
  backup?: string;
  /** Backup of a rename's source, relative to the backup directory. */
  sourceBackup?: string;
  keepBackup: boolean;
  staged?: Content;
  /**
   * The staged temp's own stat (in memory only, not journalled): as it was closed, or a rename's second name as it was
   * linked. It is the file step 7's rename puts in place, whose mtime and inode the rename leaves as they are. Step 8
   * keeps it in the manifest, rather than what an lstat of the target finds there afterwards (another process may
   * have replaced the file meanwhile).
   */
  stagedStat?: FileStat | undefined;
  backupContent?: Content | undefined;
  backupAt?: number;
  /** The backup was taken of a target that did not hold what its manifest entry says the store wrote. */
  backupDamaged?: boolean;
  /** The kept copy of the staged content (`backups.keepCurrent`), relative to the backup directory. */
  current?: string;
}

/** True for the operations that put a staged temp file in place. */
export const putsFile = (op: PlannedOp | OpRecord): boolean => op.kind === 'write' || op.kind === 'copy' || op.kind === 'rename';

/** The journal form of `op`; paths relative to `root`. */
export const toOpRecord = (root: string, op: PlannedOp): OpRecord => ({
  kind: op.kind,
  target: op.target.rel,
  existed: op.before.exists,
  keepBackup: op.keepBackup,
  ...(op.source === undefined ? {} : { source: op.source.rel }),
  ...(op.temp === undefined ? {} : { temp: path.relative(root, op.temp).split(path.sep).join('/') }),
  ...(op.backup === undefined ? {} : { backup: op.backup }),
  ...(op.sourceBackup === undefined ? {} : { sourceBackup: op.sourceBackup }),
  ...(op.skipped ? { skipped: true } : {}),
  ...(op.staged === undefined ? {} : { staged: op.staged }),
  ...(op.backupContent === undefined ? {} : { backupContent: op.backupContent }),
  ...(op.backupAt === undefined ? {} : { backupAt: op.backupAt }),
  ...(op.backupDamaged === true && op.backupContent !== undefined ? { backupDamaged: true } : {}),
  ...(op.current === undefined ? {} : { current: op.current }),
});

const actions: Record<OpKind, TxFileResult['action']> = { write: 'written', copy: 'copied', rename: 'renamed', delete: 'deleted', mkdir: 'created' };

/** What the caller is told about `op`. */
export const fileResult = (op: PlannedOp): TxFileResult =>
  op.skipped
    ? { path: op.target.rel, action: 'skipped' }
    : { path: op.target.rel, action: actions[op.kind], ...(op.staged === undefined ? {} : { sha256: op.staged.sha256, size: op.staged.size }) };
