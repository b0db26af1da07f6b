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
 * The most a sidecar may hold: one line is about 100 bytes, so this leaves room for a `sha256sum` listing of several
 * hundred files, while a sidecar that is really something else (a huge file, a link to /dev/zero) is refused after
 * reading no more than this.
 */
export const MAX_SIDECAR_BYTES = 64 * 1024;

/**
 * The text of `sidecar`, read up to `MAX_SIDECAR_BYTES` (one byte more tells that it is larger).
 * @throws TxfsError ENOENT (missing), EINTEGRITY (larger than the bound), EACCES, EIO …
 */
const readSidecar = async (fs: FileSystem, sidecar: string): Promise<string> => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of fs.readStream(sidecar, { end: MAX_SIDECAR_BYTES, chunkSize: 16 * 1024 })) {
      chunks.push(chunk);
      size += chunk.byteLength;
      // Leaving the loop closes the stream: nothing past the bound is read, whatever the file system gives.
      if (size > MAX_SIDECAR_BYTES) break;
    }
  } catch (e) {
    if (hasCode(e, 'ENOENT')) {
      throw new TxfsError('ENOENT', `ENOENT: no checksum file ${sidecar}; write one first (checksumFile: true)`, { path: sidecar, cause: e });
    }
    throw e;
  }
  if (size > MAX_SIDECAR_BYTES) {
    throw new TxfsError('EINTEGRITY', `EINTEGRITY: ${sidecar} is larger than ${MAX_SIDECAR_BYTES} bytes, so it is not a checksum file; rewrite it (checksumFile: true)`, { path: sidecar });
  }
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * True when `path`'s content matches its sidecar `<path>.sha256`, false when it does not. The sidecar is read up to
 * `MAX_SIDECAR_BYTES`.
 * @throws TxfsError ENOENT when the sidecar (or the file) is missing; EINTEGRITY when the sidecar is larger than
 *   `MAX_SIDECAR_BYTES`, not in sha256sum format, or does not name the file.
 */
export const checkSidecar = async (fs: FileSystem, path: string): Promise<boolean> => {
  const sidecar = checksumFilePath(path);
  const text = await readSidecar(fs, sidecar);
  const sums = parseChecksumText(text, sidecar);
  const expected = sums.get(basename(path)) ?? (sums.size === 1 ? [...sums.values()][0] : undefined);
  if (expected === undefined) {
    throw new TxfsError('EINTEGRITY', `EINTEGRITY: ${sidecar} has no checksum for ${basename(path)}; rewrite it`, { path: sidecar });
  }
  return (await hashFile(fs, path)) === expected;
};
