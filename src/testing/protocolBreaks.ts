/**
 * Deliberate defects of the commit protocol and of recovery, for the crash suite only: each flag replaces one step of
 * the store's step table (or of recovery's, or the journal's flush after the intent) with a wrong one, so that a test
 * can prove the crash checks notice it. Never set outside tests.
 */
import type { FileHandle, FileSystem } from '../fs/fileSystem.js';
import type { Journal, JournalTxn } from '../journal/journal.js';
import { decodeTx } from '../journal/records/txRecord.js';
import { isTempName } from '../ops/tempName.js';
import type { RecoverySteps } from '../recovery/replay.js';
import { makeDurable } from '../transaction/apply.js';
import { protectOps, stageOps } from '../transaction/stage.js';
import { writeCommitRecord, type CommitSteps } from '../transaction/steps.js';

/** Which step to get wrong. All default to false (the correct protocol). */
export interface ProtocolBreaks {
  /** Skip step 8: the parent directories are not fsynced after the renames. */
  readonly noDirSync?: boolean;
  /** Perform step 7 (the renames) before step 6 (the commit point). */
  readonly renameBeforeCommitPoint?: boolean;
  /** Stage temp files without fdatasync. */
  readonly noTempSync?: boolean;
  /** Write the commit point without awaiting the journal flush. */
  readonly commitPointNotFlushed?: boolean;
  /** Step 4 without its fsync of the backup directories: the backups' names are not durable before the commit point. */
  readonly protectNoDirSync?: boolean;
  /** Step 2's intent record not flushed before staging (`breakJournal`: the flush after it does nothing). */
  readonly intentNotFlushed?: boolean;
  /** Recovery writes its records' final word without fsyncing the directories of its renames and unlinks. */
  readonly recoveryNoDirSync?: boolean;
  /**
   * Durability 'atomic' out of order: a commit point is written while transactions that resolved before it still have
   * their directory fsyncs to run (a power cut can then keep a later transaction and lose an earlier one).
   */
  readonly atomicOutOfOrder?: boolean;
}

/** `fs` with every `syncDir` of a directory `skip` names doing nothing. */
const skippingDirSyncs = (fs: FileSystem, skip: (dir: string) => boolean): FileSystem =>
  new Proxy(fs, {
    get: (target, key, receiver) =>
      key === 'syncDir' ? async (dir: string): Promise<void> => (skip(dir) ? undefined : target.syncDir(dir)) : (Reflect.get(target, key, receiver) as unknown),
  });

/** `steps` with each step that `breaks` names replaced by its broken form. */
export const breakProtocol = (steps: CommitSteps, breaks: ProtocolBreaks): CommitSteps => ({
  ...steps,
  ...(breaks.noDirSync === true ? { makeDurable: (ctx, ops) => makeDurable(ctx, ops, { sync: false }) } : {}),
  ...(breaks.noTempSync === true ? { stage: (ctx, ops, signal) => stageOps(ctx, ops, signal, { sync: false }) } : {}),
  ...(breaks.commitPointNotFlushed === true ? { flushCommitPoint: async () => undefined } : {}),
  ...(breaks.atomicOutOfOrder === true ? { writeCommitPoint: (ctx, rec) => writeCommitRecord(ctx, rec) } : {}),
  ...(breaks.protectNoDirSync === true
    ? {
        protect: (ctx, ops) => {
          const inBackups = (dir: string): boolean => dir === ctx.backupDir || dir.startsWith(`${ctx.backupDir}/`);
          return protectOps({ ...ctx, env: { ...ctx.env, fs: skippingDirSyncs(ctx.env.fs, inBackups) } }, ops);
        },
      }
    : {}),
  ...(breaks.renameBeforeCommitPoint === true
    ? {
        writeCommitPoint: async (ctx, rec, ops) => {
          await steps.apply(ctx, ops);
          await steps.writeCommitPoint(ctx, rec, ops);
        },
        apply: async () => undefined,
      }
    : {}),
});

/** Recovery's `steps` with the step that `breaks` names replaced by its broken form. */
export const breakRecovery = (steps: RecoverySteps, breaks: ProtocolBreaks): RecoverySteps => ({
  ...steps,
  ...(breaks.recoveryNoDirSync === true ? { syncDirs: async () => undefined } : {}),
});

/** True when a journal write is an intent: a transaction record written as `staging`. */
const isIntent = (key: string, value: unknown): boolean => {
  if (!key.startsWith('tx/')) return false;
  try {
    return decodeTx(key, value).state === 'staging';
  } catch {
    return false;
  }
};

/**
 * `journal` as `breaks` wants it: with `intentNotFlushed`, the first `flush()` after a commit that wrote an intent
 * record does nothing (the commit protocol's flush of step 2); otherwise `journal` itself.
 */
export const breakJournal = (journal: Journal, breaks: ProtocolBreaks): Journal => {
  if (breaks.intentNotFlushed !== true) return journal;
  let skipNext = false;
  const watching = (txn: JournalTxn): JournalTxn => ({
    get: (key) => txn.get(key),
    range: (prefix, where) => txn.range(prefix, where),
    remove: (key) => txn.remove(key),
    put: (key, value) => {
      if (isIntent(key, value)) skipNext = true;
      txn.put(key, value);
    },
  });
  return {
    get: (key) => journal.get(key),
    range: (prefix) => journal.range(prefix),
    transact: (fn) => journal.transact((txn) => fn(watching(txn))),
    put: async (key, value) => {
      if (isIntent(key, value)) skipNext = true;
      await journal.put(key, value);
    },
    remove: (key) => journal.remove(key),
    flush: async () => {
      if (skipNext) {
        skipNext = false;
        return;
      }
      await journal.flush();
    },
    close: () => journal.close(),
  };
};

/**
 * `fs` on which a temp file's fsync or fdatasync does nothing until the rename that publishes it, and happens right
 * after that rename instead: `writeFileAtomic` (or staging) renaming before the temp's fdatasync.
 */
export const renameBeforeTempSync = (fs: FileSystem): FileSystem => {
  const deferred = new Set<string>();
  const handle = (path: string, h: FileHandle): FileHandle => {
    if (!isTempName(path)) return h;
    const later = async (): Promise<void> => {
      deferred.add(path);
    };
    return {
      write: (b, o, l, p) => h.write(b, o, l, p),
      read: (b, o, l, p) => h.read(b, o, l, p),
      sync: later,
      datasync: later,
      stat: () => h.stat(),
      truncate: (l) => h.truncate(l),
      close: () => h.close(),
    };
  };
  return new Proxy(fs, {
    get: (target, key, receiver) => {
      if (key === 'open') return async (path: string, flags: Parameters<FileSystem['open']>[1], mode?: number) => handle(path, await target.open(path, flags, mode));
      if (key === 'rename') {
        return async (from: string, to: string): Promise<void> => {
          await target.rename(from, to);
          if (!deferred.delete(from)) return;
          const h = await target.open(to, 'r');
          try {
            await h.datasync();
          } finally {
            await h.close();
          }
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
};
