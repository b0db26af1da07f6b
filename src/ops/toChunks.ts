/**
 * Turns any `Data` into a sequence of byte chunks, in constant memory.
 */
import type { Data } from '../types.js';

/** Small chunks of a stream are gathered up to this size, so that a chatty source does not cost one write per chunk. */
const GATHER = 64 * 1024;

const isAsyncIterable = (d: unknown): d is AsyncIterable<unknown> =>
  typeof d === 'object' && d !== null && typeof (d as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';

/**
 * Checks that `data` is something `toChunks` can read, before any file is created for it.
 * @throws TypeError when it is not a string, bytes, a readable stream or an async iterable.
 */
export function assertData(data: unknown): asserts data is Data {
  if (typeof data !== 'string' && !(data instanceof Uint8Array) && !isAsyncIterable(data)) {
    throw new TypeError(`data must be a string, a Uint8Array, a readable stream or an async iterable of Uint8Array, got ${data === null ? 'null' : typeof data}`);
  }
}

/** True when `data` is already in memory (a string or bytes) rather than a stream. */
export const isInMemory = (data: Data): data is string | Uint8Array => typeof data === 'string' || data instanceof Uint8Array;

/** The bytes of in-memory data. */
export const inMemoryBytes = (data: string | Uint8Array, encoding: BufferEncoding = 'utf8'): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data, encoding) : data;

const toBytes = (chunk: unknown, encoding: BufferEncoding): Uint8Array => {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding);
  throw new TypeError(`data chunks must be Uint8Array or string, got ${typeof chunk}`);
};

/**
 * The chunks of `data`: in-memory data as one chunk, a stream or async iterable chunk by chunk
 * (small chunks gathered up to 64 KiB). Whatever the source throws is thrown from the iteration.
 * @throws TypeError when `data` is not a string, bytes, a readable stream or an async iterable of bytes.
 */
export async function* toChunks(data: Data, encoding: BufferEncoding = 'utf8'): AsyncGenerator<Uint8Array, void, undefined> {
  if (isInMemory(data)) {
    yield inMemoryBytes(data, encoding);
    return;
  }
  if (!isAsyncIterable(data)) throw new TypeError('data must be a string, a Uint8Array, a readable stream or an async iterable of Uint8Array');
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const raw of data) {
    const chunk = toBytes(raw, encoding);
    if (chunk.byteLength === 0) continue;
    if (pendingBytes === 0 && chunk.byteLength >= GATHER) {
      yield chunk;
      continue;
    }
    // Copy: a source may reuse its buffer once the iteration moves on.
    pending.push(Buffer.from(chunk));
    pendingBytes += chunk.byteLength;
    if (pendingBytes >= GATHER) {
      yield Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
