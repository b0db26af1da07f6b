/**
 * What is on disk under a directory, for the demo's narration: every file (temp files included) with its size
 * and checksum, read through the FileSystem.
 */
import * as path from 'node:path';
import { hasCode } from '../../errors.js';
import type { FileSystem } from '../../fs/fileSystem.js';
import { hashFile } from '../../integrity/sha256.js';

/** One file on disk. */
export interface DiskFile {
  /** Relative to the directory listed, `/`-separated. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** Every regular file below `dir` (recursively, dot files included, sorted); an absent dir is empty. Rejects with the errno. */
export const listDisk = async (fs: FileSystem, dir: string): Promise<DiskFile[]> => {
  const out: DiskFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(path.join(dir, rel));
    } catch (e) {
      if (hasCode(e, 'ENOENT')) return;
      throw e;
    }
    for (const name of names.sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(dir, childRel);
      const st = await fs.lstat(abs);
      if (st.kind === 'directory') await walk(childRel);
      else if (st.kind === 'file') out.push({ path: childRel, size: st.size, sha256: await hashFile(fs, abs) });
    }
  };
  await walk('');
  return out;
};
