/**
 * The backup index's record: one per backup, under `backup/<rel>/<backupId>`; the same record under
 * `backup-gc/<id>` names a file of the backup store that is to be removed (a pending removal).
 */
import * as t from 'io-ts';
import { TxfsError } from '../../errors.js';
import { decodeRecord, encodeRecord, type RecordEnvelope } from '../envelope.js';

/**
 * Why a backup was made (`rebuilt`: indexed again from the backup directory after the journal was lost; why is not known;
 * `current`: the kept copy of the version the store wrote last, made with `backups.keepCurrent`, while it is current).
 */
export const BackupReason = t.keyof({ replaced: null, deleted: null, restored: null, manual: null, rebuilt: null, current: null });
/** Why a backup was made. */
export type BackupReason = t.TypeOf<typeof BackupReason>;

/**
 * One backup, as the index records it. `path` is relative to the store's root, `file` relative to the
 * backup directory; `size` and `sha256` describe the original content (before any gzip); `storedSize`,
 * when set, is the size on disk of a compressed backup. `damaged`: when the backup was made, the file did not hold
 * what the store last wrote there (its manifest entry): a faithful copy of damaged content, never a default restore.
 */
export const BackupRecord = t.intersection([
  t.type({
    v: t.literal(1),
    id: t.string,
    path: t.string,
    file: t.string,
    createdAt: t.number,
    size: t.number,
    sha256: t.string,
    compressed: t.boolean,
    reason: BackupReason,
  }),
  t.partial({ txId: t.string, storedSize: t.number, damaged: t.boolean }),
]);
/** One backup, as the index records it. */
export type BackupRecord = t.TypeOf<typeof BackupRecord>;

/** Prefix of every backup-index key. */
export const backupPrefix = 'backup/';

/** The journal key of a backup: `backup/<rel>/<backupId>`. */
export const backupKey = (rel: string, backupId: string): string => `${backupPrefix}${rel}/${backupId}`;

/** Prefix of the records of backup-store files to remove. */
export const pendingRemovalPrefix = 'backup-gc/';

/** The key of the pending-removal record of `rec` (its `id` must be unique among pending removals). */
export const pendingKey = (rec: BackupRecord): string => `${pendingRemovalPrefix}${rec.id}`;

/** The stored form of `rec` under `key` (its index key, or its pending-removal key). */
export const encodeBackup = (key: string, rec: BackupRecord): RecordEnvelope => encodeRecord(key, BackupRecord, rec);

/** Decodes a pending-removal record read at `key`. Throws `EJOURNAL`. */
export const decodePendingRemoval = (key: string, raw: unknown): BackupRecord => decodeRecord(key, raw, BackupRecord);

/** How many decoded index entries `decodeBackup` remembers (the oldest remembered goes first). */
export const MAX_REMEMBERED_BACKUPS = 4096;

/**
 * Index entries decoded lately, by key, with the envelope each came from. An entry read back unchanged (the same
 * version, checksum and body under the same key) decodes to the same record: it is not checked and decoded again.
 * Retention lists a file's backups after every commit, and all but the newest are unchanged since the last listing.
 * Only entries that decoded are remembered; each record is frozen, since every later caller gets the same object.
 */
const remembered = new Map<string, { readonly v: unknown; readonly sum: unknown; readonly body: unknown; readonly rec: BackupRecord }>();

/** The fields an envelope read back has, as they came (undefined for what is not an object). */
const envelopeOf = (raw: unknown): { readonly v?: unknown; readonly sum?: unknown; readonly body?: unknown } => (typeof raw === 'object' && raw !== null ? raw : {});

/** Decodes one index entry; `EJOURNAL` when it does not decode or sits under a key that is not its own. */
export const decodeBackup = (key: string, raw: unknown): BackupRecord => {
  const { v, sum, body } = envelopeOf(raw);
  const known = remembered.get(key);
  if (known !== undefined && typeof body === 'string' && known.v === v && known.sum === sum && known.body === body) return known.rec;
  const rec = decodeRecord(key, raw, BackupRecord);
  if (backupKey(rec.path, rec.id) !== key) {
    throw new TxfsError('EJOURNAL', `EJOURNAL: backup record of ${rec.path} (${rec.id}) is stored under the foreign key ${key}`, { key, path: rec.path });
  }
  remembered.delete(key);
  if (remembered.size >= MAX_REMEMBERED_BACKUPS) remembered.delete(remembered.keys().next().value as string);
  remembered.set(key, { v, sum, body, rec: Object.freeze(rec) });
  return rec;
};
