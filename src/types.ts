/**
 * The public types of API.md: what callers pass in and get back. No logic here.
 */
import type { FileSystem } from './fs/fileSystem.js';
import type { Journal } from './journal/journal.js';
import type { Processes } from './env.js';

/** Content to write: a string, bytes, a Node stream or any async iterable of byte chunks. */
export type Data = string | Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

/** Checks content before it may replace anything; throws (preferably a TxfsError EVALIDATION) when invalid. */
export interface Validator {
  readonly name: string;
  validate(content: Buffer): void | Promise<void>;
}

/** What a conflict is about. */
export type ConflictKind = 'exists' | 'read-only' | 'locked' | 'permission' | 'changed';

/** A conflict found before anything was replaced. */
export interface Conflict {
  readonly kind: ConflictKind;
  readonly path: string;
  readonly current?: { readonly size: number; readonly mtime: Date; readonly sha256?: string };
  /** The incoming content, when known (size, and sha256 once staged). */
  readonly incoming?: { readonly size: number; readonly sha256?: string };
  readonly holder?: string;
}

/** What a conflict callback may answer. */
export type ConflictResolution = 'overwrite' | 'skip' | 'rename' | 'keep-both' | 'cancel';

/** How a conflict is resolved: a fixed answer, `fail`, or a callback (the CLI's prompt is one). */
export type ConflictPolicy = 'overwrite' | 'skip' | 'rename' | 'keep-both' | 'fail' | ((c: Conflict) => Promise<ConflictResolution>);

/** Retention and placement of backups. */
export interface BackupPolicy {
  /** Backups kept per file; default 5. */
  readonly keep?: number;
  readonly maxAgeDays?: number;
  /** Upper bound of the whole backup store, in bytes. */
  readonly maxBytes?: number;
  /** gzip all but the newest K backups of each file; default 2. */
  readonly compressAfter?: number;
  /** Default `<stateDir>/backups` (in a store) or beside the file (writeFileAtomic). */
  readonly dir?: string;
  /**
   * In a store: also keep a verified copy of each version the store writes (a reflink clone where the filesystem can, a
   * copy otherwise — never a hard link), so that `repair()` can bring back the current version after it is damaged.
   */
  readonly keepCurrent?: boolean;
}

/** Options of `writeFileAtomic` and `store.writeFile`. */
export interface WriteOptions {
  readonly encoding?: BufferEncoding;
  readonly mode?: number;
  readonly fsync?: boolean;
  readonly verify?: 'none' | 'size' | 'checksum' | 'readback';
  readonly backup?: boolean | BackupPolicy;
  readonly onExists?: ConflictPolicy;
  readonly validate?: Validator | readonly Validator[];
  readonly checksumFile?: boolean;
  /** Create missing parent directories (default false: a missing parent is ENOENT naming it). */
  readonly mkdirp?: boolean;
  readonly signal?: AbortSignal;
}

/** One kept version of a file. */
export interface BackupEntry {
  readonly id: string;
  /** The file it is a version of (relative to the root in a store). */
  readonly path: string;
  /** Where the backup itself is stored (absolute). */
  readonly file: string;
  readonly createdAt: Date;
  readonly size: number;
  readonly sha256: string;
  readonly compressed: boolean;
  readonly txId?: string;
  /**
   * When it was backed up, the file did not hold what the store last wrote (corrupted, or changed behind the store's
   * back): kept and listed, never picked by a default restore.
   */
  readonly damaged?: boolean;
  /** The kept copy of the version the store wrote last (`backups.keepCurrent`): what `repair()` brings back. */
  readonly current?: boolean;
}

/** What a write did. */
export interface WriteResult {
  /** Where it landed (differs from the asked path after 'rename' / 'keep-both'). */
  readonly path: string;
  readonly status: 'written' | 'skipped';
  readonly sha256: string;
  readonly size: number;
  readonly backup?: BackupEntry;
  /**
   * What did not happen after the file was put in place (the directory fsync, the sidecar, pruning old backups): the
   * write itself is done, so these never fail the call. Absent when everything succeeded.
   */
  readonly warnings?: readonly string[];
}

/** Per-operation options inside a transaction. */
export interface OpOptions {
  readonly encoding?: BufferEncoding;
  readonly mode?: number;
  readonly validate?: Validator | readonly Validator[];
  readonly onExists?: ConflictPolicy;
  readonly checksumFile?: boolean;
  /** For `delete`: a missing file is not an error (the operation is skipped), as `fs.rm`'s `force`. */
  readonly force?: boolean;
  /**
   * How the staged file is checked before the commit point (default 'checksum': hashed while written): 'readback'
   * reads the fsynced temp back and compares its SHA-256, 'size' compares its size; a mismatch is EINTEGRITY, nothing
   * replaced.
   */
  readonly verify?: 'none' | 'size' | 'checksum' | 'readback';
}

/** Options of a transaction. */
export interface TxOptions {
  /** Default 'overwrite' (a backup is kept). */
  readonly onExists?: ConflictPolicy;
  /** Default 'fail'. */
  readonly onConcurrentChange?: ConflictPolicy;
  /**
   * Keep a backup of each file the transaction replaces (default true). A deleted file always goes to the backup store
   * (the trash it can be restored from), whatever this says: false only spares the backups of replaced files.
   */
  readonly backup?: boolean;
  readonly label?: string;
  readonly signal?: AbortSignal;
  /**
   * False: this transaction's files and directories are not fsynced (its journal records still are): all or nothing
   * after a crash of the process, not after a power cut. Default true.
   */
  readonly fsync?: boolean;
}

/** One file a transaction touched. */
export interface TxFileResult {
  readonly path: string;
  readonly action: 'written' | 'deleted' | 'renamed' | 'copied' | 'created' | 'skipped';
  readonly sha256?: string;
  /** Size in bytes of the content written (written, copied, renamed). */
  readonly size?: number;
  readonly backup?: BackupEntry;
}

/** What a transaction did. */
export interface TxResult<T> {
  readonly id: string;
  readonly status: 'committed' | 'skipped';
  readonly value: T;
  readonly files: readonly TxFileResult[];
}

/** What recovery did on open. */
export interface RecoveryReport {
  readonly rolledForward: readonly string[];
  readonly rolledBack: readonly string[];
  readonly tempFilesRemoved: number;
  readonly staleLocksBroken: number;
  readonly problems: ReadonlyArray<{ readonly txId: string; readonly path?: string; readonly code: string; readonly message: string }>;
  readonly durationMs: number;
}

/** What `rebuildJournal` did. */
export interface RebuildReport {
  /** False when the journal was intact: nothing was changed. */
  readonly rebuilt: boolean;
  /** Where a damaged or foreign journal was moved (kept for inspection; remove it when done). */
  readonly setAside?: string;
  /** Backups indexed again, found by their names in the backup directory. */
  readonly indexed: number;
  /** Files of the backup directory left out of the index (relative to it), and why. */
  readonly skipped: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
}

/** The result of an integrity scan. */
export interface VerifyReport {
  readonly checked: number;
  readonly ok: number;
  readonly problems: ReadonlyArray<{
    readonly path: string;
    /** `damaged` (backups only): an intact backup of a damaged version (`BackupEntry.damaged`). */
    readonly kind: 'corrupted' | 'missing' | 'changed' | 'unindexed' | 'damaged';
    readonly expected?: string;
    readonly actual?: string;
    readonly message: string;
  }>;
}

/** What `store.repair()` did. */
export interface RepairReport {
  /** The repair transaction (undo it with `store.undo`); absent when nothing needed or could be repaired. */
  readonly txId?: string;
  /** Files put back to the version the store wrote, from their kept copies. */
  readonly repaired: readonly string[];
  /** The version each repaired file holds again: its SHA-256 and size, and the transaction that had written it. */
  readonly versions: ReadonlyArray<{ readonly path: string; readonly sha256: string; readonly size: number; readonly writtenBy: string }>;
  /** Damaged files without an intact kept copy, and why (naming the newest intact backup when there is one). */
  readonly unrepairable: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
}

/** A transaction as the log shows it. */
export interface TxSummary {
  readonly id: string;
  readonly state: 'staging' | 'committing' | 'committed' | 'rolled-back' | 'undone';
  readonly label?: string;
  readonly startedAt: Date;
  readonly files: readonly TxFileResult[];
  /** Set when this transaction undid another one. */
  readonly undoes?: string;
}

/** A file that changed behind the store's back. */
export interface ExternalChange {
  readonly path: string;
  readonly kind: 'modified' | 'deleted';
  readonly expected: string;
  readonly actual?: string;
}

/** What `store.status()` reports. */
export interface StoreStatus {
  readonly root: string;
  readonly openTransactions: readonly TxSummary[];
  /** `stale`: the holder is gone (its transaction is finished by the next recovery, which then releases the lock). */
  readonly locks: ReadonlyArray<{ readonly path: string; readonly holder: string; readonly since: Date; readonly stale: boolean }>;
  readonly backups: { readonly files: number; readonly backups: number; readonly bytes: number; readonly compressedBytes: number };
  readonly externallyChanged: readonly ExternalChange[];
}

/** A pino-compatible logger. */
export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/** Options of `openStore`. */
export interface StoreOptions {
  readonly root: string;
  readonly stateDir?: string;
  readonly recover?: boolean;
  readonly backups?: BackupPolicy;
  readonly lockTimeoutMs?: number;
  readonly logger?: Logger;
  readonly fs?: FileSystem;
  readonly journal?: Journal;
  /**
   * This process and the others, as locks see them (default: the operating system's process table). For simulators:
   * `txfs/testing`'s crash world has a process table whose processes can die while they hold locks.
   */
  readonly processes?: Processes;
  /**
   * What a resolved `commit()` promises after a power cut (API.md "Durability"). 'full' (default): every change is on
   * disk. 'atomic': all or nothing, but the most recent commits may be rolled back (the renames' directories are
   * fsynced after `commit()` resolves, before any later commit point). 'none': no fsync at all; a crash of the process
   * still cannot tear a transaction, a power cut can.
   */
  readonly durability?: Durability;
}

/** See `StoreOptions.durability`. */
export type Durability = 'full' | 'atomic' | 'none';

/** The backup store of a Store. */
export interface Backups {
  create(path: string): Promise<BackupEntry>;
  /** Newest first. */
  list(path: string): Promise<BackupEntry[]>;
  restore(path: string, options?: { readonly backup?: BackupEntry | string; readonly to?: string }): Promise<TxResult<void>>;
  verify(options?: { readonly onProgress?: (done: number, total: number) => void }): Promise<VerifyReport>;
  prune(): Promise<{ removed: number; freedBytes: number }>;
  usage(): Promise<{ files: number; backups: number; bytes: number; compressedBytes: number }>;
}

/** A transaction being built. */
export interface Tx {
  readonly id: string;
  writeFile(path: string, data: Data, options?: OpOptions): Tx;
  copy(from: string, to: string, options?: OpOptions): Tx;
  rename(from: string, to: string, options?: OpOptions): Tx;
  delete(path: string, options?: OpOptions): Tx;
  mkdir(path: string): Tx;
  expect(path: string, state: 'absent' | 'unchanged' | { readonly sha256: string }): Tx;
  commit(): Promise<TxResult<void>>;
  rollback(): Promise<void>;
  /**
   * Reads a file of the store and pins what it read: the transaction commits only if the file still holds exactly
   * that at the commit point (a `changed` conflict otherwise), so a read-modify-write cannot lose another writer's update.
   */
  readFile(path: string, options: { readonly encoding: BufferEncoding }): Promise<string>;
  readFile(path: string, options?: { readonly encoding?: undefined }): Promise<Buffer>;
  readFile(path: string, options?: { readonly encoding?: BufferEncoding }): Promise<Buffer | string>;
}

/** A journalled store of files under one root. */
export interface Store {
  readonly root: string;
  readonly recovery: RecoveryReport;
  transaction<T>(fn: (tx: Tx) => T | Promise<T>, options?: TxOptions): Promise<TxResult<T>>;
  begin(options?: TxOptions): Tx;
  writeFile(path: string, data: Data, options?: WriteOptions): Promise<WriteResult>;
  readFile(path: string, options: { readonly verify?: boolean; readonly encoding: BufferEncoding }): Promise<string>;
  readFile(path: string, options?: { readonly verify?: boolean; readonly encoding?: undefined }): Promise<Buffer>;
  readFile(path: string, options?: { readonly verify?: boolean; readonly encoding?: BufferEncoding }): Promise<Buffer | string>;
  deleteFile(path: string, options?: OpOptions): Promise<TxResult<void>>;
  verify(paths?: readonly string[], options?: { readonly onProgress?: (done: number, total: number) => void }): Promise<VerifyReport>;
  readonly backups: Backups;
  undo(txId: string, options?: TxOptions): Promise<TxResult<void>>;
  log(options?: { readonly path?: string; readonly limit?: number }): AsyncIterable<TxSummary>;
  status(): Promise<StoreStatus>;
  watch(paths?: readonly string[]): AsyncIterable<ExternalChange>;
  /**
   * Puts every file whose content differs from the manifest (or only `paths`) back to the version the store wrote,
   * from its kept copy (`backups.keepCurrent`), as one transaction that `undo` can undo.
   */
  repair(paths?: readonly string[], options?: TxOptions): Promise<RepairReport>;
  close(): Promise<void>;
}
