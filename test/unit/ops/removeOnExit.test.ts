import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { pendingTemps, removeOnExit } from '../../../src/ops/removeOnExit.js';

const counts = (): number[] => ['exit', 'SIGTERM', 'SIGINT', 'SIGHUP'].map((e) => process.listenerCount(e));

describe('removeOnExit', () => {
  it('keeps its handlers while temps come one after another, and removes them a moment after the last one settles', async () => {
    const before = counts();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
    try {
      for (let i = 0; i < 5; i++) {
        const settled = removeOnExit(nodeFileSystem, path.join(dir, `t${i}`));
        expect(counts()).toEqual(before.map((n) => n + 1));
        settled();
        // Still there for the next temp: no handler is stopped and started again per write.
        expect(counts()).toEqual(before.map((n) => n + 1));
      }
      expect(pendingTemps()).toBe(0);
      await new Promise((r) => setTimeout(r, 250));
      expect(counts()).toEqual(before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
