/**
 * Child process of the damaged-journal tests: opens the LMDB journal in argv[2], reads every record, commits one and
 * closes it, then prints `{"ok":true}` or `{"code":…}`. With argv[3] = `blind`, the checks made before LMDB maps the
 * files are given a FileSystem that sees an empty, writable journal whatever is on disk: LMDB then opens the real
 * files unchecked, as it did before those checks existed (and a damaged file kills this process with a signal).
 */
import { nodeFileSystem } from '../../../src/fs/node.js';
import type { FileHandle, FileStat, FileSystem } from '../../../src/fs/fileSystem.js';
import { openLmdbJournal } from '../../../src/journal/lmdb.js';

const [dir, mode] = process.argv.slice(2);
if (dir === undefined) throw new TypeError('usage: openJournal.ts <journal dir> [blind]');

const emptyFile: FileStat = { kind: 'file', size: 0, mtimeMs: 0, ino: 1, dev: 1, mode: 0o100644, nlink: 1 };
const emptyHandle: FileHandle = {
  write: () => Promise.resolve(0),
  read: () => Promise.resolve(0),
  sync: () => Promise.resolve(),
  datasync: () => Promise.resolve(),
  stat: () => Promise.resolve(emptyFile),
  truncate: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
const blind: FileSystem = {
  ...nodeFileSystem,
  mkdir: () => Promise.resolve(),
  stat: () => Promise.resolve(emptyFile),
  open: () => Promise.resolve(emptyHandle),
};

try {
  const journal = await openLmdbJournal(dir, mode === 'blind' ? { fs: blind } : {});
  await journal.range('');
  await journal.transact((txn) => txn.put('child/probe', 1));
  await journal.close();
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ code: (e as { code?: unknown }).code, message: String((e as Error).message) })}\n`);
}
