/**
 * The marker that makes the loss of a journal loud (DESIGN "When the journal itself is damaged or lost"): the file
 * `<stateDir>/journal-id` holds the identity record of the state directory's journal, written the first time a store
 * opens its own journal there — durably, after the journal holds the same record, and before any transaction can
 * commit, so every store with history has it. A journal that then lacks the record (data.mdb deleted, truncated to
 * nothing, replaced by an empty one) or holds another id (another store's journal) is refused: EJOURNAL, saying how
 * to rebuild (`rebuildJournal`, `txfs recover --rebuild`). A store opened but never used gets the marker too; its
 * rebuild has nothing to index and is quick.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { unlinkIfPresent } from '../fs/unlinkIfPresent.js';
import type { Journal } from '../journal/journal.js';
import { decodeJournalId, encodeJournalId, journalIdKey, type JournalIdRecord } from '../journal/records/journalIdRecord.js';
import { writeAll } from '../ops/writeAll.js';

/** The marker file of the state directory `stateDir`. */
export const markerPath = (stateDir: string): string => path.join(stateDir, 'journal-id');

/** A marker is one short line; anything longer is not one (and is never read whole). */
const MARKER_MAX_BYTES = 4096;

/** What the marker of `stateDir` says: absent (undefined), the identity it holds, or `unreadable` (damaged). Rejects with an OS error other than ENOENT. */
export const readMarker = async (fs: FileSystem, stateDir: string): Promise<JournalIdRecord | 'unreadable' | undefined> => {
  let bytes: Buffer;
  try {
    const fh = await fs.open(markerPath(stateDir), 'r');
    try {
      const buf = Buffer.alloc(MARKER_MAX_BYTES + 1);
      let got = 0;
      for (let n = -1; n !== 0 && got < buf.length; got += n) n = await fh.read(buf, got, buf.length - got, got);
      bytes = buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return undefined;
    throw e;
  }
  if (bytes.length > MARKER_MAX_BYTES) return 'unreadable';
  try {
    return decodeJournalId(JSON.parse(bytes.toString('utf8')));
  } catch {
    return 'unreadable';
  }
};

/** Writes the marker of `stateDir` naming `rec`, durably (a temp file, fdatasynced, renamed, the directory fsynced). Rejects with the OS error (ENOSPC, EACCES…). */
export const writeMarker = async (fs: FileSystem, stateDir: string, rec: JournalIdRecord): Promise<void> => {
  const file = markerPath(stateDir);
  // Not a transaction's temp name (`.txfs-tmp`): nothing in the state directory is a transaction's.
  const temp = path.join(stateDir, `.journal-id.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await fs.open(temp, 'wx', 0o644);
    try {
      await writeAll(fh, Buffer.from(`${JSON.stringify(encodeJournalId(rec))}\n`, 'utf8'), file);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(temp, file);
  } catch (e) {
    await unlinkIfPresent(fs, temp).catch(() => undefined);
    throw e;
  }
  await fs.syncDir(stateDir);
};

/** The identity record the journal holds, if any. Rejects with EJOURNAL when it does not decode. */
export const journalIdentity = async (journal: Journal): Promise<JournalIdRecord | undefined> => {
  const raw = await journal.get(journalIdKey);
  return raw === undefined ? undefined : decodeJournalId(raw);
};

/** Gives `journal` an identity unless it has one (atomically: two processes opening a new store agree), durably. Rejects with EJOURNAL. */
export const ensureIdentity = async (journal: Journal, now: () => number, id = randomBytes(16).toString('hex')): Promise<JournalIdRecord> => {
  const rec = await journal.transact((txn) => {
    const raw = txn.get(journalIdKey);
    if (raw !== undefined) return decodeJournalId(raw);
    const fresh: JournalIdRecord = { v: 1, id, createdAt: now() };
    txn.put(journalIdKey, encodeJournalId(fresh));
    return fresh;
  });
  await journal.flush();
  return rec;
};

const rebuildHint = 'run `txfs recover --rebuild` (rebuildJournal in the API) to index the backups of the backup directory again; the store then opens';

/**
 * Checks that `journal` is the one the state directory `stateDir` had, and gives a new one (no marker yet) its
 * identity and marker. Rejects with EJOURNAL when the marker is there but the journal has no identity (it was lost:
 * its backups are no longer indexed, its log and undo history are gone) or another one; with an OS error when the
 * marker cannot be read or written.
 */
export const bindJournal = async (fs: FileSystem, stateDir: string, journal: Journal, now: () => number = Date.now): Promise<void> => {
  const marker = await readMarker(fs, stateDir);
  const held = await journalIdentity(journal);
  const journalDir = path.join(stateDir, 'journal');
  if (marker === undefined) {
    await writeMarker(fs, stateDir, held ?? (await ensureIdentity(journal, now)));
    return;
  }
  if (held === undefined) {
    throw new TxfsError(
      'EJOURNAL',
      `EJOURNAL: the journal in ${journalDir} is missing or empty, but ${markerPath(stateDir)} says this store had one: ` +
        `its backups are no longer indexed, its log and undo history are gone; ${rebuildHint}`,
      { path: journalDir },
    );
  }
  if (marker === 'unreadable') {
    // The journal has its identity, so the marker had been written: it is damaged, and the journal says what it held.
    await writeMarker(fs, stateDir, held);
    return;
  }
  if (marker.id !== held.id) {
    throw new TxfsError(
      'EJOURNAL',
      `EJOURNAL: the journal in ${journalDir} is not this store's (it is journal ${held.id}, ${markerPath(stateDir)} names ${marker.id}): ` +
        `another store's journal was put in its place; ${rebuildHint} (the foreign journal is set aside)`,
      { path: journalDir },
    );
  }
};
