/**
 * The backup store against a model: random sequences of transactions (writes, deletes), restores, undos and prunes
 * (one after the other, or a transaction, a restore and a prune at once) on a real store (temp dir, LMDB) with a small policy, so that retention and gzip really happen. After each command
 * the files on disk equal the model's and each file's backups are exactly the versions the policy keeps; at the end
 * every kept version restores byte-identical.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBackup } from '../../../src/backup/readBackup.js';
import { DEFAULT_COMPRESS_MIN_BYTES } from '../../../src/store/retention.js';
import { TxfsError } from '../../../src/errors.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { storeContextOf, openStore } from '../../../src/store/openStore.js';
import { settleBackground } from '../../../src/transaction/context.js';
import type { BackupEntry, Store, Tx, TxResult } from '../../../src/types.js';
import { collect, listFiles } from '../backup/fixture.js';

const PATHS = ['a.txt', 'a-b.txt', 'b.txt', 'd/c.txt'] as const;
const KEEP = 3;
const COMPRESS_AFTER = 1;
/** Backups up to this size stay uncompressed: the model needs to know. */
const COMPRESS_MIN_BYTES = DEFAULT_COMPRESS_MIN_BYTES;

/** One kept version of a file: its content and the transaction that replaced or deleted it. */
interface Version {
  readonly content: string;
  readonly txId: string;
}
/** What a committed transaction did to each path (undefined: absent). */
interface TxChange {
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}
interface Model {
  readonly files: Map<string, string>;
  /** Per path, newest first. */
  readonly backups: Map<string, Version[]>;
  /** Committed transactions, oldest first. */
  readonly txs: Array<{ readonly id: string; readonly changes: TxChange[] }>;
  /** Undone transaction id → the undo's id (the last one). */
  readonly undoneBy: Map<string, string>;
}
interface Real {
  readonly root: string;
  readonly store: Store;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const bytes = (s: string): number => Buffer.byteLength(s);

/** Applies a committed transaction to the model: new contents, a backup of every replaced or deleted file, retention. */
const commit = (m: Model, id: string, changes: TxChange[]): void => {
  for (const c of changes) {
    if (c.before !== undefined) {
      const list = [{ content: c.before, txId: id }, ...(m.backups.get(c.path) ?? [])].slice(0, Math.max(KEEP, 1));
      m.backups.set(c.path, list);
    }
    if (c.after === undefined) m.files.delete(c.path);
    else m.files.set(c.path, c.after);
  }
  m.txs.push({ id, changes });
};

/** The undo that keeps `txId` undone, if any: an undo undone in turn redoes it, so the chain of undos decides by parity. */
const standingUndo = (m: Model, txId: string): string | undefined => {
  let by: string | undefined;
  for (let cur = m.undoneBy.get(txId); cur !== undefined; cur = m.undoneBy.get(cur)) by = by === undefined ? cur : undefined;
  return by;
};

const codeOf = async (p: Promise<unknown>): Promise<{ error?: TxfsError; value?: unknown }> => {
  try {
    return { value: await p };
  } catch (e) {
    expect(e).toBeInstanceOf(TxfsError);
    return { error: e as TxfsError };
  }
};

/** Disk and backup index against the model, once the store's housekeeping has settled. */
const check = async (m: Model, r: Real): Promise<void> => {
  await settleBackground(storeContextOf(r.store));
  const files = listFiles(r.root).filter((f) => !f.startsWith('.txfs') && !f.startsWith('scratch'));
  expect(files).toEqual([...m.files.keys()].sort());
  for (const [p, content] of m.files) expect(fs.readFileSync(path.join(r.root, p), 'utf8')).toBe(content);
  for (const p of PATHS) {
    const want = m.backups.get(p) ?? [];
    const got = await r.store.backups.list(p);
    expect(got.map((e) => [e.txId, e.sha256, e.size])).toEqual(want.map((v) => [v.txId, sha(v.content), bytes(v.content)]));
    expect(got.map((e) => e.compressed)).toEqual(want.map((v, i) => i >= COMPRESS_AFTER && bytes(v.content) > COMPRESS_MIN_BYTES));
  }
  expect(listFiles(r.root).filter((f) => f.endsWith('.txfs-tmp'))).toEqual([]);
};

/** The parent directory of `p` when it has one that is missing on disk. */
const missingDir = (root: string, p: string): string | undefined => {
  const d = path.posix.dirname(p);
  return d !== '.' && !fs.existsSync(path.join(root, d)) ? d : undefined;
};

type Op = { readonly path: string; readonly content: string | null };

class TxCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ops: readonly Op[]) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const refused = this.ops.some((o) => o.content === null && !m.files.has(o.path));
    const { error, value } = await codeOf(r.store.transaction((tx) => this.build(tx, r.root)));
    if (refused) expect(error?.code).toBe('ENOENT');
    else {
      expect(error).toBeUndefined();
      this.apply(m, (value as TxResult<void>).id);
    }
    await check(m, r);
  }
  build(tx: Tx, root: string): void {
    for (const d of new Set(this.ops.flatMap((o) => missingDir(root, o.path) ?? []))) tx.mkdir(d);
    for (const o of this.ops) {
      if (o.content === null) tx.delete(o.path);
      else tx.writeFile(o.path, o.content);
    }
  }
  apply(m: Model, id: string): void {
    commit(m, id, this.ops.map((o) => ({ path: o.path, before: m.files.get(o.path), after: o.content ?? undefined })));
  }
  toString = (): string => `tx(${this.ops.map((o) => (o.content === null ? `delete ${o.path}` : `write ${o.path} ${o.content.length}B`)).join(', ')})`;
}

class RestoreCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly path: string,
    readonly pick: number,
  ) {}
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    const versions = m.backups.get(this.path) ?? [];
    const listed = await r.store.backups.list(this.path);
    const i = versions.length === 0 ? 0 : this.pick % versions.length;
    const v = versions[i];
    const { error, value } = await codeOf(r.store.backups.restore(this.path, listed[i] === undefined ? {} : { backup: listed[i] }));
    if (v === undefined) expect(error?.code).toBe('ENOENT');
    else {
      expect(error).toBeUndefined();
      commit(m, (value as TxResult<void>).id, [{ path: this.path, before: m.files.get(this.path), after: v.content }]);
    }
    await check(m, r);
  }
  toString = (): string => `restore(${this.path}, #${this.pick})`;
}

class UndoCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pick: number,
    readonly recent: boolean,
  ) {}
  check = (m: Readonly<Model>): boolean => m.txs.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    // A recent one (those are the undos that can succeed), or any (whose kept versions may have been pruned since).
    const t = m.txs[m.txs.length - 1 - (this.pick % (this.recent ? Math.min(m.txs.length, 5) : m.txs.length))];
    if (t === undefined) throw new Error('no transaction to undo');
    const { error, value } = await codeOf(r.store.undo(t.id));
    const needed = t.changes.filter((c) => c.before !== undefined);
    const by = standingUndo(m, t.id);
    if (by !== undefined) {
      expect(error?.code).toBe('ECONFLICT');
      expect(error?.message).toContain(`was already undone by ${by}`);
    } else if (!t.changes.every((c) => m.files.has(c.path) === (c.after !== undefined))) {
      expect(error?.code).toBe('ECONFLICT'); // appeared or disappeared since
    } else if (!needed.every((c) => (m.backups.get(c.path) ?? []).some((v) => v.txId === t.id))) {
      expect(error?.code).toBe('ENOENT'); // a version it replaced was pruned since
    } else if (!t.changes.every((c) => m.files.get(c.path) === c.after)) {
      expect(error?.code).toBe('ECONFLICT'); // changed since
    } else {
      expect(error).toBeUndefined();
      const id = (value as TxResult<void>).id;
      commit(m, id, t.changes.map((c) => ({ path: c.path, before: c.after, after: c.before })).reverse());
      m.undoneBy.set(t.id, id);
    }
    await check(m, r);
  }
  toString = (): string => `undo(${this.recent ? 'recent ' : ''}#${this.pick})`;
}

class PruneCommand implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    // Retention already ran after each commit: an explicit prune finds nothing left to do.
    expect(await r.store.backups.prune()).toEqual({ removed: 0, freedBytes: 0 });
    await check(m, r);
  }
  toString = (): string => 'prune()';
}

/**
 * A transaction, a restore of another file and a prune, all at once: each commit's retention then runs alongside
 * the other operations. Touching distinct files, they land as if one after the other.
 */
class ParallelCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tx: TxCommand,
    readonly restore: RestoreCommand,
  ) {}
  check = (): boolean => !this.tx.ops.some((o) => o.path === this.restore.path);
  async run(m: Model, r: Real): Promise<void> {
    const txRefused = this.tx.ops.some((o) => o.content === null && !m.files.has(o.path));
    const versions = m.backups.get(this.restore.path) ?? [];
    const i = versions.length === 0 ? 0 : this.restore.pick % versions.length;
    const listed = await r.store.backups.list(this.restore.path);
    const [txOutcome, restoreOutcome] = await Promise.all([
      codeOf(r.store.transaction((tx) => this.tx.build(tx, r.root))),
      codeOf(r.store.backups.restore(this.restore.path, listed[i] === undefined ? {} : { backup: listed[i] })),
      r.store.backups.prune(),
    ]);
    const v = versions[i];
    if (txRefused) expect(txOutcome.error?.code).toBe('ENOENT');
    else {
      expect(txOutcome.error).toBeUndefined();
      this.tx.apply(m, (txOutcome.value as TxResult<void>).id);
    }
    if (v === undefined) expect(restoreOutcome.error?.code).toBe('ENOENT');
    else {
      expect(restoreOutcome.error).toBeUndefined();
      commit(m, (restoreOutcome.value as TxResult<void>).id, [{ path: this.restore.path, before: m.files.get(this.restore.path), after: v.content }]);
    }
    await check(m, r);
  }
  toString = (): string => `parallel(${this.tx.toString()}, ${this.restore.toString()}, prune())`;
}

/** Small contents, or ones above the compression threshold (a pattern repeated: gzip shrinks it). */
const contentArb: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 6 }), fc.boolean())
  .map(([s, big]) => (big ? `${s}|`.repeat(Math.ceil((COMPRESS_MIN_BYTES + 500) / (bytes(s) + 1))) : s));

/** a.txt (next to a-b.txt) most often, so that it gets past `keep` versions. */
const pathArb = fc.constantFrom('a.txt', 'a.txt', 'a-b.txt', 'b.txt', 'd/c.txt');
const txArb = fc
  .uniqueArray(fc.record({ path: pathArb, content: fc.option(contentArb, { freq: 5 }) }), { minLength: 1, maxLength: 2, selector: (o) => o.path })
  .map((ops) => new TxCommand(ops));
const restoreArb = fc.record({ path: pathArb, pick: fc.nat(5) }).map(({ path: p, pick }) => new RestoreCommand(p, pick));
const commandsArb = fc.commands(
  [
    txArb,
    txArb,
    txArb,
    restoreArb,
    fc.nat(20).map((pick) => new UndoCommand(pick, true)),
    fc.nat(20).map((pick) => new UndoCommand(pick, false)),
    fc.constant(new PruneCommand()),
    fc.tuple(txArb, restoreArb).map(([tx, restore]) => new ParallelCommand(tx, restore)),
  ],
  { maxCommands: 15, size: 'max' },
);

/** The files every run starts from, written through the store (so that the first commands have something to replace). */
const INITIAL: ReadonlyArray<readonly [string, string]> = [
  ['a.txt', 'a0'],
  ['a-b.txt', 'a-b0'],
  ['d/c.txt', 'c0'.repeat(COMPRESS_MIN_BYTES)],
];

/** Every kept version reads back byte-identical, and the oldest of each file restores to a scratch path. */
const checkKeptVersions = async (m: Model, r: Real): Promise<void> => {
  for (const p of PATHS) {
    const want = m.backups.get(p) ?? [];
    const got: BackupEntry[] = await r.store.backups.list(p);
    expect(got).toHaveLength(want.length);
    for (const [i, e] of got.entries()) expect((await collect(readBackup(nodeFileSystem, e))).toString('utf8')).toBe(want[i]?.content);
    const oldest = got.at(-1);
    if (oldest === undefined) continue;
    const to = `scratch/${p.replace('/', '_')}`;
    await r.store.backups.restore(p, { backup: oldest, to });
    expect(fs.readFileSync(path.join(r.root, to), 'utf8')).toBe(want.at(-1)?.content);
  }
  const report = await r.store.backups.verify();
  expect(report.problems).toEqual([]);
  const kept = PATHS.map((p) => m.backups.get(p) ?? []).filter((l) => l.length > 0);
  // The scratch restores replaced nothing: they made no backups.
  expect(await r.store.backups.usage()).toMatchObject({ files: kept.length, backups: kept.flat().length });
};

describe('the backup store against a model', () => {
  it('keeps exactly the versions the policy says, each restoring byte-identical, and the files always equal the model', async () => {
    await fc.assert(
      fc.asyncProperty(commandsArb, async (cmds) => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
        const store = await openStore({ root, backups: { keep: KEEP, compressAfter: COMPRESS_AFTER } });
        try {
          const model: Model = { files: new Map(), backups: new Map(), txs: [], undoneBy: new Map() };
          const real: Real = { root, store };
          for (const [p, content] of INITIAL) {
            const d = missingDir(root, p);
            const w = await store.transaction((tx) => void (d === undefined ? tx : tx.mkdir(d)).writeFile(p, content));
            commit(model, w.id, [{ path: p, before: undefined, after: content }]);
          }
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          await settleBackground(storeContextOf(store));
          await checkKeptVersions(model, real);
        } finally {
          await store.close();
          fs.rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 20 },
    );
  });
});
