/**
 * A real store on a temp directory for the transaction tests, and helpers to look at its disk.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';
import { TxfsError } from '../../../src/errors.js';
import { openStoreWith, type StoreInternals } from '../../../src/store/openStore.js';
import type { Store, StoreOptions } from '../../../src/types.js';

/** A temp root with a store on it; `done()` closes the store and removes the directory. */
export interface Fixture {
  readonly root: string;
  readonly store: Store;
  read(rel: string): string | undefined;
  write(rel: string, content: string): void;
  /** Every file below the root (relative), the state directory excluded. */
  files(): string[];
  /** Every temp file anywhere below the root, the state directory included. */
  temps(): string[];
  backups(): string[];
  reopen(options?: Partial<StoreOptions>, internals?: StoreInternals): Promise<Store>;
  done(): Promise<void>;
}

const walk = (dir: string, base = dir): string[] =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? walk(p, base) : [path.relative(base, p).split(path.sep).join('/')];
      })
    : [];

/** Makes a temp root holding `files`, and opens a store on it. */
export const makeFixture = async (files: Record<string, string> = {}, options: Partial<StoreOptions> = {}, internals: StoreInternals = {}): Promise<Fixture> => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  const opened: Store[] = [];
  const open = async (o: Partial<StoreOptions> = {}, i: StoreInternals = internals): Promise<Store> => {
    const s = await openStoreWith({ root, ...options, ...o }, i);
    opened.push(s);
    return s;
  };
  const store = await open();
  return {
    root,
    store,
    read: (rel) => (fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel), 'utf8') : undefined),
    write: (rel, content) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content);
    },
    files: () => walk(root).filter((p) => !p.startsWith('.txfs/')).sort(),
    temps: () => walk(root).filter((p) => p.endsWith('.txfs-tmp')),
    backups: () => walk(path.join(root, '.txfs', 'backups')).sort(),
    reopen: open,
    done: async () => {
      for (const s of opened) await s.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
};

/** Registers an `afterEach` that closes every fixture made through the returned function. */
export const trackedFixtures = (): ((...args: Parameters<typeof makeFixture>) => Promise<Fixture>) => {
  const made: Fixture[] = [];
  afterEach(async () => {
    for (const f of made.splice(0)) await f.done();
  });
  return async (...args) => {
    const f = await makeFixture(...args);
    made.push(f);
    return f;
  };
};

/** The code a promise rejects with ('resolved' when it does not; a non-TxfsError says so). */
export const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return e instanceof TxfsError ? e.code : `not a TxfsError: ${String(e)}`;
  }
  return 'resolved';
};

/** The TxfsError a promise rejects with; anything else (or resolving) fails the test. */
export const rejection = async (p: Promise<unknown>): Promise<TxfsError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof TxfsError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
};
