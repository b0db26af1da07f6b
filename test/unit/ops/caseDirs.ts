/**
 * A fresh directory per test case under one temp root removed after the file: `cases.dir` is the current case's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach } from 'vitest';

/** The current case's directory, and a path inside it. */
export interface CaseDirs {
  readonly dir: string;
  readonly at: (name: string) => string;
}

/** Registers the hooks that make a new directory before each test and remove them all after the file. */
export const caseDirs = (): CaseDirs => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  let dir = root;
  let n = 0;
  beforeEach(() => {
    dir = path.join(root, `case${++n}`);
    fs.mkdirSync(dir);
  });
  return {
    get dir() {
      return dir;
    },
    at: (name) => path.join(dir, name),
  };
};
