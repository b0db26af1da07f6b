/**
 * Scratch roots and stores for the recovery tests, closed and removed after each test, and what tests look at on disk.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';
import type { Store } from '../../../src/types.js';

/** Registers the cleanup; `root()` makes a new temp root, `keep(store)` closes the store after the test. */
export const scratch = (): { root: () => string; keep: (s: Store) => Store } => {
  const roots: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
  });
  return {
    root: () => {
      const r = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
      roots.push(r);
      return r;
    },
    keep: (s) => {
      stores.push(s);
      return s;
    },
  };
};

/** The content of `rel` below `root`, or undefined when absent. */
export const read = (root: string, rel: string): string | undefined => (fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel), 'utf8') : undefined);

/** The temp files directly in `root`. */
export const temps = (root: string): string[] => fs.readdirSync(root).filter((n) => n.endsWith('.txfs-tmp'));
