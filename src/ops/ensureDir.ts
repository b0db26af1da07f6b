/**
 * Creating missing parent directories durably (the `mkdirp` option).
 */
import { dirname } from 'node:path';
import { hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';

/**
 * Creates `dir` and its missing ancestors; with `sync`, fsyncs the parent of each directory it created, so that
 * a file later made durable inside it cannot be lost with its directory.
 * @throws TxfsError ENOTDIR (an ancestor is a file), EACCES, EROFS, ENOSPC … from the file system.
 */
export const ensureDir = async (fs: FileSystem, dir: string, sync: boolean): Promise<void> => {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      const st = await fs.stat(d);
      if (st.kind !== 'directory') await fs.readdir(d); // let the file system say ENOTDIR
      break;
    } catch (e) {
      if (!hasCode(e, 'ENOENT') || dirname(d) === d) throw e;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    await fs.mkdir(d).catch((e: unknown) => {
      if (!hasCode(e, 'EEXIST')) throw e;
    });
    if (sync) await fs.syncDir(dirname(d));
  }
};
