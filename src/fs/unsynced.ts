/**
 * A FileSystem whose fsyncs do nothing: durability 'none' (API.md "Durability"). Every write still reaches the page
 * cache in the same order, so a crash of the process loses nothing; a power cut may.
 */
import type { DirectoryHandle, FileHandle, FileSystem } from './fileSystem.js';

const noSync = async (): Promise<void> => undefined;

const unsyncedHandle = (fh: FileHandle): FileHandle => ({
  write: (buffer, offset, length, position) => fh.write(buffer, offset, length, position),
  read: (buffer, offset, length, position) => fh.read(buffer, offset, length, position),
  sync: noSync,
  datasync: noSync,
  stat: () => fh.stat(),
  truncate: (length) => fh.truncate(length),
  ...(fh.chown === undefined ? {} : { chown: (uid: number, gid: number) => (fh.chown as NonNullable<FileHandle['chown']>)(uid, gid) }),
  close: () => fh.close(),
});

const unsyncedDirectory = (d: DirectoryHandle): DirectoryHandle => ({ path: d.path, sync: noSync, close: () => d.close() });

/** `fs` with `sync`, `datasync` (of every handle it opens) and `syncDir` doing nothing; everything else unchanged. */
export const unsynced = (fs: FileSystem): FileSystem => {
  const openDirectory = fs.openDirectory?.bind(fs);
  return {
    ...fs,
    open: async (path, flags, mode) => unsyncedHandle(await fs.open(path, flags, mode)),
    syncDir: noSync,
    ...(openDirectory === undefined ? {} : { openDirectory: async (path: string) => unsyncedDirectory(await openDirectory(path)) }),
  };
};
