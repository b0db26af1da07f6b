/**
 * A verified copy of a file in the backup store: a reflink clone where the filesystem can, a copy otherwise — never a
 * hard link, whose shared inode would take every later change (or damage) of the file along with it.
 */
import * as path from 'node:path';
import { TxfsError } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { hashFile } from '../integrity/sha256.js';
import type { Content } from '../journal/records/txRecord.js';
import { backupFileName } from './backupFile.js';

/**
 * The name (relative to the backup directory) of the kept copy of the version of `rel` that transaction `txId` writes:
 * the backup name of that transaction with `-current` after its id, so that it never meets the name of the backup of
 * the version the transaction replaces.
 * @throws TxfsError EOUTSIDE for a `rel` that is no file path inside the store; TypeError for an invalid `txId`.
 * @example currentCopyName('a.txt', 'TX1', Date.UTC(2026, 0, 2, 3, 4, 5)) // 'a-20260102-030405-TX1-current.txt.bak'
 */
export const currentCopyName = (rel: string, txId: string, now: number): string => backupFileName(rel, `${txId}-current`, now);

/** Options of `keepCopy`. */
export interface KeepCopyOptions {
  /** Make the copy's data durable (fdatasync); default true. The caller fsyncs its directory. */
  readonly sync?: boolean;
  /** What the copy must hold; a copy that holds anything else is removed and the call rejects with EINTEGRITY. */
  readonly expected?: Content;
  /** The file the copy is of, for messages (the user's path, not a temp name). */
  readonly what?: string;
}

/**
 * Copies `fromAbs` to the new file `toAbs` (creating its parent directories; clone first, `exclusive`), makes its data
 * durable, and reads the copy back: resolves to the SHA-256 and size it holds. On any failure the copy is removed.
 * @throws TxfsError EINTEGRITY (the copy does not hold `expected`), EEXIST (the name is taken), ENOENT, ENOSPC, EIO …
 * @example await keepCopy(fs, '/r/.a.txt.TX1.0.txfs-tmp', '/r/.txfs/backups/a-20260102-030405-TX1-current.txt.bak', { expected })
 */
export const keepCopy = async (fs: FileSystem, fromAbs: string, toAbs: string, options: KeepCopyOptions = {}): Promise<Content> => {
  await fs.mkdir(path.dirname(toAbs), { recursive: true });
  await fs.copyFile(fromAbs, toAbs, { exclusive: true, clone: true });
  try {
    if (options.sync !== false) {
      const fh = await fs.open(toAbs, 'r');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
    }
    // Read back from the copy itself: what the backup store holds is what is vouched for.
    const sha256 = await hashFile(fs, toAbs);
    const { size } = await fs.stat(toAbs);
    const want = options.expected;
    if (want !== undefined && (want.sha256 !== sha256 || want.size !== size)) {
      const what = options.what ?? fromAbs;
      throw new TxfsError(
        'EINTEGRITY',
        `EINTEGRITY: the copy of ${what} kept in the backup store holds ${size} bytes with sha256 ${sha256}, not the ${want.size} bytes with sha256 ${want.sha256} ` +
          'being written; nothing was replaced — the disk may be failing',
        { path: what },
      );
    }
    return { sha256, size };
  } catch (e) {
    // The first error is the one reported; a copy that cannot even be removed is left to verify's `unindexed`.
    await fs.unlink(toAbs).catch(() => undefined);
    throw e;
  }
};
