/**
 * The one error class txfs throws, and the one place where OS errors are mapped to it.
 */

/** Codes of API.md's error table, plus any OS errno name (ENOSPC, EIO, …) and ECRASH from the crash simulator. */
export type TxfsErrorCode =
  | 'ECONFLICT'
  | 'ELOCKED'
  | 'EVALIDATION'
  | 'EINTEGRITY'
  | 'EJOURNAL'
  | 'EOUTSIDE'
  | 'EABORTED'
  | 'ECRASH'
  /** The data being written (a stream or async iterable) threw while it was read; nothing was replaced. */
  | 'ESOURCE'
  | (string & {});

const brand = Symbol.for('txfs/error');

/** Extra facts an error carries for a program to act on. */
export interface TxfsErrorData {
  readonly path?: string | undefined;
  readonly cause?: unknown;
  readonly syscall?: string | undefined;
  readonly conflict?: unknown;
  readonly validator?: string | undefined;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  readonly holder?: string | undefined;
  readonly key?: string | undefined;
}

/**
 * Every error txfs throws: a stable `code`, the `path` when there is one, and a message a user can act on.
 * Recognised across two installed copies of txfs through a `Symbol.for` brand.
 */
export class TxfsError extends Error {
  readonly code: TxfsErrorCode;
  readonly path: string | undefined;
  readonly syscall: string | undefined;
  readonly conflict: unknown;
  readonly validator: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly holder: string | undefined;
  readonly key: string | undefined;
  readonly [brand] = true;

  constructor(code: TxfsErrorCode, message: string, data: TxfsErrorData = {}) {
    super(message, data.cause === undefined ? undefined : { cause: data.cause });
    this.name = 'TxfsError';
    this.code = code;
    this.path = data.path;
    this.syscall = data.syscall;
    this.conflict = data.conflict;
    this.validator = data.validator;
    this.line = data.line;
    this.column = data.column;
    this.holder = data.holder;
    this.key = data.key;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** True when `e` is a TxfsError (from any installed copy) with one of the given codes. */
export const hasCode = (e: unknown, ...codes: string[]): e is TxfsError =>
  e instanceof TxfsError && codes.includes(e.code);

const advice: Record<string, string> = {
  ENOSPC: 'the disk is full: free some space and try again',
  EDQUOT: 'the disk quota is exhausted: free some space and try again',
  EACCES: 'permission denied: check the permissions of the file and its directory',
  EPERM: 'operation not permitted: the file may be immutable or owned by another user',
  EROFS: 'the filesystem is read-only: remount it read-write or choose another location',
  EIO: 'the disk reported an I/O error: the data may not be stored; check the device',
  EMFILE: 'too many open files: raise the limit (ulimit -n) or close other files',
  ENFILE: 'the system is out of file handles: close other programs and try again',
  ENOENT: 'no such file or directory',
  EEXIST: 'a file already exists there',
  EISDIR: 'that is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  ENOTEMPTY: 'the directory is not empty',
  EXDEV: 'source and target are on different filesystems',
  ELOOP: 'too many symbolic links, or a symbolic link where none is allowed',
  ENAMETOOLONG: 'the file name is too long',
  EBUSY: 'the file or device is busy',
  EINVAL: 'invalid argument',
};

/**
 * Wraps an OS error (anything with an errno `code`) as a TxfsError keeping the errno name as `code`
 * and the original as `cause`. A TxfsError passes through unchanged. Other throwables become `EIO`-free
 * `EUNKNOWN` errors so that nothing escapes untyped.
 */
export const fromOsError = (e: unknown, path?: string, syscall?: string): TxfsError => {
  if (e instanceof TxfsError) return e;
  const errno = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  const code = typeof errno === 'string' && errno.length > 0 ? errno : 'EUNKNOWN';
  const sys = syscall ?? (typeof e === 'object' && e !== null ? ((e as { syscall?: unknown }).syscall as string | undefined) : undefined);
  const what = advice[code] ?? (e instanceof Error ? e.message : String(e));
  const where = path === undefined ? '' : ` (${sys === undefined ? '' : `${sys} `}${path})`;
  return new TxfsError(code, `${code}: ${what}${where}`, { path, syscall: sys, cause: e });
};

/** Builds an errno-style error as node:fs would throw it (used by simulated and fault-injecting file systems). */
export const errnoError = (code: string, syscall: string, path?: string): NodeJS.ErrnoException => {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall}${path === undefined ? '' : ` '${path}'`}`);
  err.code = code;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  return err;
};
