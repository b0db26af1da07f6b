/**
 * A backup store on a real temp dir for the backup tests: an in-memory journal, a fixed clock, counting ids,
 * and `addBackup` to preserve and index a file the way a transaction does.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackupContext } from '../../../src/backup/backupContext.js';
import { backupFileName, preserveFile } from '../../../src/backup/backupFile.js';
import { indexBackup } from '../../../src/backup/backupIndex.js';
import { type BackupRecord } from '../../../src/journal/records/backupRecord.js';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { createMemoryJournal, type MemoryJournal } from './memoryJournal.js';

export interface Fixture {
  readonly root: string;
  readonly backupDir: string;
  readonly journal: MemoryJournal;
  readonly ctx: BackupContext;
  clock: number;
  /** The same store seen through another file system (a fault injector). */
  withFs(fs: FileSystem): BackupContext;
  /** Writes `content` to `rel` under the root, backs it up and indexes the backup. */
  addBackup(rel: string, content: string | Buffer, extra?: Partial<BackupRecord>): Promise<BackupRecord>;
  cleanup(): void;
}

export const createFixture = (): Fixture => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  const backupDir = path.join(root, '.txfs', 'backups');
  const journal = createMemoryJournal();
  let ids = 0;
  const fx: Fixture = {
    root,
    backupDir,
    journal,
    clock: Date.UTC(2026, 0, 1),
    withFs: (f) => ({ backupDir, env: { fs: f, journal, now: () => fx.clock, newId: () => `ID${String(++ids).padStart(6, '0')}` } }),
    ctx: undefined as unknown as BackupContext,
    addBackup: async (rel, content, extra = {}) => {
      const abs = path.join(root, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
      fx.clock += 1000;
      const id = fx.ctx.env.newId();
      const file = backupFileName(rel, id, fx.clock);
      const { size } = await preserveFile(nodeFileSystem, abs, path.join(backupDir, file));
      const rec: BackupRecord = {
        v: 1,
        id,
        path: rel,
        file,
        createdAt: fx.clock,
        size,
        sha256: createHash('sha256').update(content).digest('hex'),
        compressed: false,
        reason: 'replaced',
        txId: id,
        ...extra,
      };
      await journal.transact((txn) => indexBackup(txn, rec));
      // The live file moves on, as a transaction's rename would replace it, leaving the backup its own inode.
      fs.rmSync(abs);
      return rec;
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
  (fx as { ctx: BackupContext }).ctx = fx.withFs(nodeFileSystem);
  return fx;
};

/** Collects an async iterable of bytes. */
export const collect = async (it: AsyncIterable<Uint8Array>): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
};

/** Every file below `dir`, relative, sorted. */
export const listFiles = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath, d.name))).sort() : [];

/** Flips one bit of the byte at `offset` of `file`. */
export const flipByte = (file: string, offset = 0): void => {
  const b = fs.readFileSync(file);
  b[offset] = (b[offset] ?? 0) ^ 0x01;
  fs.writeFileSync(file, b);
};
