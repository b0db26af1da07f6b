/**
 * Where a store lives: its root (an existing directory) and its state directory (created, proven writable), with
 * the backup directory inside it.
 */
import * as path from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/fileSystem.js';
import { unlinkIfPresent } from '../fs/unlinkIfPresent.js';

/** The error of a state directory that cannot be used: `e`'s code kept, and what to do. */
export const stateError = (stateDir: string, e: unknown): TxfsError => {
  const code = e instanceof TxfsError ? e.code : 'EIO';
  return new TxfsError(code, `${code}: the state directory ${stateDir} cannot be used (${e instanceof Error ? e.message : String(e)}); choose a writable directory with the stateDir option`, {
    path: stateDir,
    cause: e,
  });
};

/** Checks the root: it must exist and be a directory. Returns its canonical path. */
export const checkRoot = async (fs: FileSystem, root: string): Promise<string> => {
  try {
    const st = await fs.stat(root);
    if (st.kind !== 'directory') throw new TxfsError('ENOTDIR', `ENOTDIR: the store root ${root} is a ${st.kind}, not a directory`, { path: root });
    return await fs.realpath(root);
  } catch (e) {
    if (hasCode(e, 'ENOENT')) throw new TxfsError('ENOENT', `ENOENT: the store root ${root} does not exist; create it first`, { path: root, cause: e });
    throw e;
  }
};

/** Creates the state and backup directories and proves the state directory writable (a probe file, removed). */
export const prepareStateDir = async (fs: FileSystem, stateDir: string, backupDir: string): Promise<string> => {
  try {
    let created = false;
    try {
      const st = await fs.lstat(stateDir);
      if (st.kind !== 'directory') throw new TxfsError('ENOTDIR', `ENOTDIR: ${stateDir} is a ${st.kind}, not a directory`, { path: stateDir });
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw e;
      await fs.mkdir(stateDir, { recursive: true });
      created = true;
    }
    await fs.mkdir(backupDir, { recursive: true });
    // The backup directory's own entry must be durable before any backup is linked into it.
    await fs.syncDir(path.dirname(backupDir));
    // One fixed name: a probe left by an open that failed half-way is simply replaced by the next open. Stores opened
    // at the same time (processes, or one process) probe at the same time: a probe found there is another's, or a
    // leftover; it is replaced, a few times over if need be (EEXIST proves nothing about who may write here).
    const probe = path.join(stateDir, '.probe');
    const create = async (attempt: number): Promise<FileHandle> => {
      try {
        return await fs.open(probe, 'wx', 0o600);
      } catch (e) {
        if (!hasCode(e, 'EEXIST') || attempt >= 10) throw e;
        await unlinkIfPresent(fs, probe);
        return create(attempt + 1);
      }
    };
    const fh = await create(1);
    try {
      await fh.close();
    } finally {
      await unlinkIfPresent(fs, probe);
    }
    if (created) await fs.syncDir(path.dirname(stateDir));
    return await fs.realpath(stateDir);
  } catch (e) {
    throw stateError(stateDir, e);
  }
};

