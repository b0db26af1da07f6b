import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../src/fs/fileSystem.js';
import { nodeFileSystem } from '../../../src/fs/node.js';
import { describeFileSystem } from '../../contract/fileSystem.js';

// The node adapter is a FileSystem (a type test: this line does not compile otherwise).
const adapter = nodeFileSystem satisfies FileSystem;

describeFileSystem('node adapter on a real temp dir', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-'));
  return { fs: adapter, root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
});

describe('node adapter specifics', () => {
  it('wraps the original error as cause, with the syscall', async () => {
    const e = (await nodeFileSystem.stat('/nonexistent/txfs').catch((x: unknown) => x)) as { cause: NodeJS.ErrnoException; syscall: string };
    expect(e.cause.code).toBe('ENOENT');
    expect(e.syscall).toBe('stat');
  });
});
