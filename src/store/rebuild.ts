/**
 * Rebuilding a store's journal after it was lost or damaged (DESIGN "When the journal itself is damaged or lost"),
 * from what outlives it: the backup directory, whose files are named after the file each preserves, the time and the
 * transaction. The backup index is written again from those names, each backup's SHA-256 and size recomputed from its
 * content (gunzipped when compressed); then the journal gets its identity and the state directory its marker, and the
 * store opens. A damaged journal (or another store's, put in its place) is moved aside first, never deleted.
 *
 * What cannot come back: the transaction log, undo, the history of renames, and the manifest. Nothing in the backup
 * directory says what the files hold now, and taking the files as they are would make `verify` call them intact
 * whatever changed meanwhile: the manifest stays empty, and the files show as unindexed until the store writes them.
 * Backups with a shortened name (long file names) keep their time and transaction but not the file's name: they are
 * left out, and listed as skipped. So are files that are not backups, temp files and damaged compressed backups.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { indexBackup } from '../backup/backupIndex.js';
import { backupStamp } from '../backup/backupFile.js';
import { parseBackupName } from '../backup/parseBackupName.js';
import { hashBackup } from '../backup/readBackup.js';
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { nodeFileSystem } from '../fs/node.js';
import type { LmdbJournal } from '../journal/lmdb.js';
import { isJournalDamage } from '../journal/lmdbFiles.js';
import { backupKey, type BackupRecord } from '../journal/records/backupRecord.js';
import type { JournalIdRecord } from '../journal/records/journalIdRecord.js';
import { isTempName } from '../ops/tempName.js';
import type { RebuildReport, StoreOptions } from '../types.js';
import { ensureIdentity, journalIdentity, readMarker, writeMarker } from './journalMarker.js';
import { checkRoot, prepareStateDir } from './stateDir.js';
import { checkStoreOptions } from './storeOptions.js';

type Skipped = RebuildReport['skipped'][number];

/** Backup records per journal transaction while indexing. */
const BATCH = 256;

/** Every regular file under `dir`, as `/`-separated paths relative to it, in name order; anything else is skipped. */
const listFiles = async (fs: FileSystem, dir: string, skipped: Skipped[], rel = ''): Promise<string[]> => {
  const out: string[] = [];
  for (const name of (await fs.readdir(dir)).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const st = await fs.lstat(path.join(dir, name));
    if (st.kind === 'directory') out.push(...(await listFiles(fs, path.join(dir, name), skipped, r)));
    else if (st.kind === 'file') out.push(r);
    else skipped.push({ file: r, reason: `a ${st.kind}, not a backup file` });
  }
  return out;
};

/** Why `rel` names no backup that can be indexed (undefined: it does). */
const unindexable = (rel: string, names: ReadonlySet<string>): string | undefined => {
  if (isTempName(rel)) return 'a temp file (of an interrupted compression)';
  const parsed = parseBackupName(rel);
  if (parsed === undefined) {
    return /-\d{8}-\d{6}-[^/]*~[0-9a-f]{16}/.test(path.posix.basename(rel))
      ? "a shortened backup name (a long file name): the file it preserves cannot be read back from it"
      : 'not named as a txfs backup';
  }
  if (parsed.compressed && names.has(rel.slice(0, -'.gz'.length))) return `a compressed copy of ${rel.slice(0, -'.gz'.length)} (an interrupted compression), which is indexed instead`;
  return undefined;
};

/** The index records of the backups in `backupDir`, their checksums recomputed, and what was left out. */
const readBackupDir = async (fs: FileSystem, backupDir: string): Promise<{ records: BackupRecord[]; skipped: Skipped[] }> => {
  const skipped: Skipped[] = [];
  const files = await listFiles(fs, backupDir, skipped);
  const names = new Set(files);
  const records: BackupRecord[] = [];
  const keys = new Set<string>();
  for (const rel of files) {
    const why = unindexable(rel, names);
    const parsed = parseBackupName(rel);
    if (why !== undefined || parsed === undefined) {
      skipped.push({ file: rel, reason: why ?? 'not named as a txfs backup' });
      continue;
    }
    const abs = path.join(backupDir, ...rel.split('/'));
    let content: { sha256: string; size: number };
    let stored: number;
    try {
      content = await hashBackup(fs, abs, parsed.compressed);
      stored = (await fs.stat(abs)).size;
    } catch (e) {
      skipped.push({ file: rel, reason: `cannot be read back (${e instanceof Error ? e.message : String(e)})` });
      continue;
    }
    // One transaction makes one backup of a file; a second one under the same key gets its own id all the same.
    let id = parsed.txId;
    for (let n = 2; keys.has(backupKey(parsed.path, id)); n++) id = `${parsed.txId}-${n}`;
    keys.add(backupKey(parsed.path, id));
    records.push({
      v: 1, id, path: parsed.path, file: rel, createdAt: parsed.createdAt, size: content.size, sha256: content.sha256,
      compressed: parsed.compressed, reason: 'rebuilt', txId: parsed.txId, ...(parsed.compressed ? { storedSize: stored } : {}),
    });
  }
  return { records, skipped };
};

/** Moves the journal directory aside (a fresh name beside it), durably. Resolves with where it went. */
const setAside = async (fs: FileSystem, journalDir: string, now: number): Promise<string> => {
  const base = `${journalDir}.set-aside-${backupStamp(now)}`;
  for (let n = 1; ; n++) {
    const to = n === 1 ? base : `${base}-${n}`;
    try {
      await fs.lstat(to);
      continue;
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw e;
    }
    await fs.rename(journalDir, to);
    await fs.syncDir(path.dirname(journalDir));
    return to;
  }
};

/** What the journal found in `journalDir` is, against the marker: fine as it is, empty, or to be set aside. */
const assess = async (journal: LmdbJournal, marker: Awaited<ReturnType<typeof readMarker>>): Promise<'intact' | 'empty' | 'foreign'> => {
  const held = await journalIdentity(journal);
  if (held !== undefined) return marker === undefined || marker === 'unreadable' || marker.id === held.id ? 'intact' : 'foreign';
  if ((await journal.range('')).length === 0) return 'empty';
  // Records but no identity: a journal from before identities (no marker either) is intact; under a marker, it is not this one.
  return marker === undefined ? 'intact' : 'foreign';
};

/**
 * Rebuilds the journal of the store of `options` (the options `openStore` takes) when it is missing, empty, damaged or
 * another store's: the backup index from the backup directory, then the journal's identity and marker; an intact
 * journal is left as it is (`rebuilt: false`). See the module comment for what cannot be rebuilt.
 * @throws TypeError for bad options (an injected `journal`: only a store's own LMDB journal is rebuilt here);
 *   TxfsError ENOENT / ENOTDIR (root), EACCES / EPERM / EROFS (state directory), EJOURNAL (a journal file that cannot be
 *   opened for writing), or an OS error reading the backup directory.
 * @example const report = await rebuildJournal({ root: '/srv/exports' }); // then openStore({ root: '/srv/exports' })
 */
export const rebuildJournal = async (options: StoreOptions): Promise<RebuildReport> => {
  checkStoreOptions(options);
  if (options.journal !== undefined) throw new TypeError('rebuildJournal: options.journal is set: only a store\'s own LMDB journal is rebuilt here');
  const fs = options.fs ?? nodeFileSystem;
  const root = path.resolve(options.root);
  await checkRoot(fs, root);
  const stateDir = path.resolve(root, options.stateDir ?? '.txfs');
  const backupDir = path.resolve(root, options.backups?.dir ?? path.join(stateDir, 'backups'));
  await prepareStateDir(fs, stateDir, backupDir);
  const journalDir = path.join(stateDir, 'journal');
  const marker = await readMarker(fs, stateDir);
  // Loaded only when called, as openStore does: importing txfs never loads LMDB.
  const { openLmdbJournal } = await import('../journal/lmdb.js');

  let journal: LmdbJournal | undefined;
  let state: 'intact' | 'empty' | 'foreign' | 'damaged';
  try {
    journal = await openLmdbJournal(journalDir);
    state = await assess(journal, marker);
  } catch (e) {
    await journal?.close().catch(() => undefined);
    if (!isJournalDamage(e)) throw e;
    journal = undefined;
    state = 'damaged';
  }
  if (state === 'intact') {
    await journal?.close();
    return { rebuilt: false, indexed: 0, skipped: [] };
  }
  let movedTo: string | undefined;
  if (state !== 'empty') {
    await journal?.close().catch(() => undefined);
    movedTo = await setAside(fs, journalDir, Date.now());
    journal = undefined;
  }
  // The marker first (when it names no journal yet), the identity last: a rebuild cut short leaves a journal without
  // an identity under a marker, which the next open refuses and the next rebuild sets aside. A marker that was there
  // keeps its id, so that it names the rebuilt journal.
  const identity: JournalIdRecord = marker !== undefined && marker !== 'unreadable' ? marker : { v: 1, id: randomBytes(16).toString('hex'), createdAt: Date.now() };
  if (identity !== marker) await writeMarker(fs, stateDir, identity);
  const fresh = journal ?? (await openLmdbJournal(journalDir));
  try {
    const { records, skipped } = await readBackupDir(fs, backupDir);
    for (let i = 0; i < records.length; i += BATCH) {
      const batch = records.slice(i, i + BATCH);
      await fresh.transact((txn) => {
        for (const rec of batch) indexBackup(txn, rec);
      });
    }
    await ensureIdentity(fresh, Date.now, identity.id);
    return { rebuilt: true, ...(movedTo === undefined ? {} : { setAside: movedTo }), indexed: records.length, skipped };
  } finally {
    await fresh.close();
  }
};
