/**
 * The one rule for names txfs derives from a user's file name (temp files, backups, backup indexes): they must fit
 * the filesystem's name limit, NAME_MAX bytes of UTF-8, so the user's part is cut at a character boundary.
 */
import { createHash } from 'node:crypto';

/** NAME_MAX of Linux (and of most filesystems elsewhere), in bytes. */
export const NAME_MAX = 255;

/** Cuts `s` to at most `bytes` UTF-8 bytes without splitting a character. */
export const cutUtf8 = (s: string, bytes: number): string => {
  if (Buffer.byteLength(s) <= bytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const len = Buffer.byteLength(ch);
    if (used + len > bytes) break;
    out += ch;
    used += len;
  }
  return out;
};

/**
 * `head + tail`, `head` cut at a UTF-8 character boundary so that the whole is at most `max` bytes (default NAME_MAX).
 * The tail is kept whole: it carries what makes the name unique (an id, a hash) and what marks its kind.
 * @example fitName('x'.repeat(300), '.bak').length // 255
 */
export const fitName = (head: string, tail: string, options: { readonly max?: number } = {}): string =>
  `${cutUtf8(head, Math.max((options.max ?? NAME_MAX) - Buffer.byteLength(tail), 0))}${tail}`;

/** 16 hex digits (64 bits) of the SHA-256 of `name`: tells apart names whose cut heads are the same. */
export const nameHash = (name: string): string => createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16);
