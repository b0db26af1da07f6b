/**
 * Sidecar checksum files `<path>.sha256` in sha256sum's format (`<hex>  <name>`), so that `sha256sum -c` checks them too.
 */
import { basename } from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { FileSystem } from '../fs/fileSystem.js';
import { hashFile } from './sha256.js';

/** The sidecar of `path`. */
export const checksumFilePath = (path: string): string => `${path}.sha256`;

/**
 * The sidecar line for `path`. The name is the basename: run `sha256sum -c` in the file's directory.
 * A name with a backslash or newline gets sha256sum's escaped form (a leading `\`).
 */
export const checksumLine = (path: string, sha256: string): string => {
  const name = basename(path);
  if (!/[\\\n\r]/.test(name)) return `${sha256}  ${name}\n`;
  return `\\${sha256}  ${name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}\n`;
};

const unescape = (s: string): string => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));

/** Parses sha256sum output: name → hex (lowercase). */
export const parseChecksumText = (text: string, path: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    if (raw.trim() === '' ) continue;
    const m = /^(\\?)([0-9a-fA-F]{64}) [ *](.+)$/.exec(raw.replace(/\r$/, ''));
    if (m === null) {
      throw new TxfsError('EINTEGRITY', `EINTEGRITY: ${path} is not in sha256sum format (line ${JSON.stringify(raw.slice(0, 80))}); rewrite it`, { path });
    }
    out.set(m[1] === '\\' ? unescape(m[3] ?? '') : (m[3] ?? ''), (m[2] ?? '').toLowerCase());
  }
  return out;
};

/**
 * True when `path`'s content matches its sidecar `<path>.sha256`, false when it does not.
 * @throws TxfsError ENOENT when the sidecar (or the file) is missing; EINTEGRITY when the sidecar is not in sha256sum
 *   format or does not name the file.
 */
export const checkSidecar = async (fs: FileSystem, path: string): Promise<boolean> => {
  const sidecar = checksumFilePath(path);
  let text: string;
  try {
    text = (await fs.readFile(sidecar)).toString('utf8');
  } catch (e) {
    if (hasCode(e, 'ENOENT')) {
      throw new TxfsError('ENOENT', `ENOENT: no checksum file ${sidecar}; write one first (checksumFile: true)`, { path: sidecar, cause: e });
    }
    throw e;
  }
  const sums = parseChecksumText(text, sidecar);
  const expected = sums.get(basename(path)) ?? (sums.size === 1 ? [...sums.values()][0] : undefined);
  if (expected === undefined) {
    throw new TxfsError('EINTEGRITY', `EINTEGRITY: ${sidecar} has no checksum for ${basename(path)}; rewrite it`, { path: sidecar });
  }
  return (await hashFile(fs, path)) === expected;
};
