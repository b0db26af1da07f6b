/**
 * The journal records of a transaction and of the manifest, with their io-ts codecs. Each record states facts,
 * and each is durable before the disk step it describes: the intent (`staging`) names every temp file, backup
 * and directory the transaction will create before any of them exists; the commit point (`committing`) adds the
 * checksum of every staged temp and every backup.
 */
import * as t from 'io-ts';
import type { JournalTxn } from '../journal.js';
import { decodeRecord, encodeRecord } from '../envelope.js';

/** Lifecycle of a transaction record. */
export const TxState = t.keyof({ staging: null, committing: null, committed: null, 'rolled-back': null });
/** Lifecycle of a transaction record. */
export type TxState = t.TypeOf<typeof TxState>;

/** The kinds of operation a transaction holds. */
export const OpKind = t.keyof({ write: null, copy: null, rename: null, delete: null, mkdir: null });
/** The kinds of operation a transaction holds. */
export type OpKind = t.TypeOf<typeof OpKind>;

/** Checksum and size of some content. */
export const Content = t.type({ sha256: t.string, size: t.number });
/** Checksum and size of some content. */
export type Content = t.TypeOf<typeof Content>;

/**
 * One operation as journalled. Paths `target`, `source` and `temp` are relative to the store's root (with `/`);
 * `backup` and `sourceBackup` are relative to the backup directory. `existed`: the target existed when the
 * transaction took its locks. `staged`, `backupContent`, `backupAt` are set at the commit point.
 */
export const OpRecord = t.intersection([
  t.type({ kind: OpKind, target: t.string, existed: t.boolean }),
  t.partial({
    source: t.string,
    temp: t.string,
    backup: t.string,
    sourceBackup: t.string,
    /** The target's backup is indexed (kept) at the end; otherwise it only protects the transaction and is removed. */
    keepBackup: t.boolean,
    skipped: t.boolean,
    staged: Content,
    backupContent: Content,
    backupAt: t.number,
    /** When it was backed up, the target did not hold what the manifest says the store wrote (its backup is `damaged`). */
    backupDamaged: t.boolean,
    /** The kept copy of the staged content (`backups.keepCurrent`), relative to the backup directory; indexed at the end. */
    current: t.string,
  }),
]);
/** One operation as journalled. */
export type OpRecord = t.TypeOf<typeof OpRecord>;

/** A transaction record, key `tx/<id>`. `rollBack`: recovery decided to undo it from its backups (sticky). */
export const TxRecord = t.intersection([
  t.type({ v: t.literal(1), id: t.string, state: TxState, startedAt: t.number, pid: t.number, ops: t.array(OpRecord) }),
  t.partial({ label: t.string, rollBack: t.boolean, finishedAt: t.number }),
]);
/** A transaction record. */
export type TxRecord = t.TypeOf<typeof TxRecord>;

/** What the store last wrote at a path, key `manifest/<rel>`. */
export const ManifestEntry = t.intersection([
  t.type({ v: t.literal(1), sha256: t.string, size: t.number, txId: t.string }),
  t.partial({ mtimeMs: t.number, ino: t.number }),
]);
/** What the store last wrote at a path. */
export type ManifestEntry = t.TypeOf<typeof ManifestEntry>;

/** Marker of a transaction that is not final yet, key `open/<id>`: recovery scans only these. */
export const OpenMarker = t.type({ v: t.literal(1), id: t.string });
/** Marker of an unfinished transaction. */
export type OpenMarker = t.TypeOf<typeof OpenMarker>;

/**
 * The longest path (relative to the root, in UTF-8 bytes) whose every record fits the journal's keys: the longest key
 * of a path is its backup's, `backup/<path>/<txId>-<n>` (about 30 bytes beyond the path), and a conflict policy may
 * lengthen a name by ` (conflict YYYY-MM-DD HHMMSS)` (29 bytes); what is left is a margin.
 */
export const MAX_PATH_BYTES = 1900;

/** Key prefix of transaction records. */
export const txPrefix = 'tx/';
/** Key prefix of open markers (transactions not final yet). */
export const openPrefix = 'open/';
/** Key prefix of manifest entries. */
export const manifestPrefix = 'manifest/';

/** The key of transaction `id`'s record. */
export const txKey = (id: string): string => `${txPrefix}${id}`;
/** The key of transaction `id`'s open marker. */
export const openKey = (id: string): string => `${openPrefix}${id}`;
/** The manifest key of `rel`. */
export const manifestKey = (rel: string): string => `${manifestPrefix}${rel}`;

/** Decodes a transaction record read at `key`. Throws `EJOURNAL`. */
export const decodeTx = (key: string, raw: unknown): TxRecord => decodeRecord(key, raw, TxRecord);
/** Decodes a manifest entry read at `key`. Throws `EJOURNAL`. */
export const decodeManifest = (key: string, raw: unknown): ManifestEntry => decodeRecord(key, raw, ManifestEntry);

/** True when a record in `state` still needs recovery or finishing. */
export const isFinal = (state: TxState): boolean => state === 'committed' || state === 'rolled-back';

/**
 * Writes `rec` and, while it is not final (or `keepOpen` says so: a committed record whose transient backups are
 * still to be removed), its open marker — inside a journal transaction.
 */
export const putTx = (txn: JournalTxn, rec: TxRecord, options: { readonly keepOpen?: boolean } = {}): void => {
  txn.put(txKey(rec.id), encodeRecord(txKey(rec.id), TxRecord, rec));
  if (options.keepOpen ?? !isFinal(rec.state)) txn.put(openKey(rec.id), encodeRecord(openKey(rec.id), OpenMarker, { v: 1, id: rec.id }));
  else txn.remove(openKey(rec.id));
};

/** True when the backup of `op`'s target is indexed (kept) when its transaction commits. */
export const keepsBackup = (op: OpRecord): boolean => op.skipped !== true && op.keepBackup === true && op.backupContent !== undefined;

/**
 * The backups of `rec` (names relative to the backup directory) that only protected the transaction: removed once it
 * is committed — every backup not kept in the index (a skipped operation's too), every rename source's, and the kept
 * copy of a skipped operation.
 */
export const transientBackups = (rec: TxRecord): string[] =>
  rec.ops.flatMap((op) => [
    ...(op.backup !== undefined && op.backupContent !== undefined && !keepsBackup(op) ? [op.backup] : []),
    ...(op.sourceBackup === undefined ? [] : [op.sourceBackup]),
    // A skipped operation's kept copy describes content that never landed.
    ...(op.current !== undefined && op.skipped === true ? [op.current] : []),
  ]);

/** Writes the manifest entry of `rel` (inside a journal transaction). */
export const putManifest = (txn: JournalTxn, rel: string, entry: ManifestEntry): void => {
  txn.put(manifestKey(rel), encodeRecord(manifestKey(rel), ManifestEntry, entry));
};
