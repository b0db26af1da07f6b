/**
 * What can be proven about an LMDB environment's two files before LMDB maps them, read through the FileSystem.
 *
 * lmdb-js cannot survive a failed open: when `mdb_env_open` returns an error (a data file whose first meta page is
 * not LMDB's, of another format version, too short to hold both meta pages; a lock file it cannot open for writing),
 * its clean-up path dereferences a half-built environment and the process dies with SIGSEGV. And a page that LMDB
 * reaches through its memory map past the end of a truncated file is SIGBUS. So every condition under which
 * `mdb_env_open` fails is checked here first, the way `mdb_env_read_header` checks it (mdb.c), plus the one cause of
 * SIGBUS: LMDB refuses (MDB_PAGE_NOTFOUND) a page number beyond the meta page's last page, so a reachable page can
 * lie beyond the end of the file only when the file is shorter than that last page — then every page the trees reach
 * is looked up (only then: a walk reads the whole tree).
 *
 * Layout (64-bit LMDB, lmdb-js 3): a page header of 24 bytes (page number u64, txnid u64, pad u16, flags u16,
 * lower/upper u16 or an overflow page count u32); pages 0 and 1 are meta pages, the meta after the header: magic u32
 * 0xBEEFC0DE, version u32 (low 16 bits: 2), address u64, map size u64, the free and main trees (48 bytes each: page
 * size u32 in the free tree's pad, flags u16, depth u16, four counts u64, root u64), last page u64, txnid u64.
 * What is not checked: damage inside a page that still looks like a page (LMDB itself reports much of it as
 * MDB_CORRUPTED, which `lmdb.ts` maps to EJOURNAL).
 */
import * as path from 'node:path';
import { TxfsError, hasCode } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/fileSystem.js';

const MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const HEADER = 24;
/** What LMDB reads of each meta page before it knows the page size: the page header and the meta. */
const META_READ = HEADER + 144;
const NO_PAGE = 0xffffffffffffffffn;
/** Beyond this a map cannot be made (64 TiB): a last page number this large is damage, not data. */
const MAX_MAP = 2n ** 46n;

/** One meta page as LMDB reads it. */
interface Meta {
  readonly name: string;
  readonly psize: number;
  readonly roots: readonly bigint[];
  readonly lastPage: bigint;
  readonly txnid: bigint;
}

/** What a checked journal directory turned out to hold. */
export interface LmdbFilesReport {
  /** The data file holds an environment (false: new or empty, LMDB will initialise it). */
  readonly hasData: boolean;
}

/** The error of a damaged data file: EJOURNAL naming the file and what is wrong, with what to do. */
const damaged = (file: string, why: string): TxfsError =>
  new TxfsError(
    'EJOURNAL',
    `EJOURNAL: the journal file ${file} is damaged (${why}); the store will not open it. ` +
      '`txfs recover --rebuild` sets the damaged journal aside and rebuilds the backup index from the backup directory',
    { path: file },
  );

/** The error of a journal file LMDB could not open for reading and writing, or create (immutable, append-only…). */
const unusable = (file: string, e: unknown, what: 'open' | 'create'): TxfsError => {
  const code = e instanceof TxfsError ? e.code : 'EIO';
  const where = what === 'open' ? `the journal file ${file} cannot be opened for reading and writing` : `the journal file ${file} cannot be created in its directory`;
  return new TxfsError(
    'EJOURNAL',
    `EJOURNAL: ${where} (${code}), which LMDB needs; ` +
      'if it (or the directory) is immutable or append-only (lsattr), clear that with chattr -i / chattr -a, or give write permission back',
    { path: file, syscall: what, cause: e },
  );
};

/**
 * True for the EJOURNAL of a damaged journal (its files or records), false for one whose files merely cannot be
 * opened for writing (an errno as its cause: nothing is wrong with the journal itself).
 */
export const isJournalDamage = (e: unknown): boolean => hasCode(e, 'EJOURNAL') && !(e.cause instanceof TxfsError && e.cause.code !== 'EJOURNAL');

/** Reads up to `length` bytes at `position`, looping on short reads; fewer only at the end of the file. */
const readAt = async (fh: FileHandle, length: number, position: number): Promise<Buffer> => {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = await fh.read(buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
};

const isPageSize = (n: number): boolean => n >= 256 && n <= 65536 && (n & (n - 1)) === 0;

/** The meta at `base` of `buf` (a meta page when `page`, else the header-less third meta of overlapping sync). */
const readMeta = (file: string, buf: Buffer, name: string, pgno: number | undefined): Meta => {
  if (pgno !== undefined) {
    if ((buf.readUInt16LE(18) & P_META) === 0) throw damaged(file, `${name} is not a meta page`);
    if (buf.readBigUInt64LE(0) !== BigInt(pgno)) throw damaged(file, `${name} says it is page ${buf.readBigUInt64LE(0)}`);
    if (buf.readUInt32LE(HEADER) !== MAGIC) throw damaged(file, `${name} does not start with LMDB's magic number: not an LMDB file`);
    const version = buf.readUInt32LE(HEADER + 4) & 0xffff;
    if (version !== DATA_VERSION) throw damaged(file, `${name} has LMDB data format ${version}, this LMDB reads ${DATA_VERSION}`);
  }
  const psize = buf.readUInt32LE(HEADER + 24);
  if (!isPageSize(psize)) throw damaged(file, `${name} gives an impossible page size ${psize}`);
  return {
    name,
    psize,
    roots: [buf.readBigUInt64LE(HEADER + 64), buf.readBigUInt64LE(HEADER + 112)],
    lastPage: buf.readBigUInt64LE(HEADER + 120),
    txnid: buf.readBigUInt64LE(HEADER + 128),
  };
};

/** The meta pages LMDB may choose from, each checked against the others and against itself. */
const readMetas = async (file: string, fh: FileHandle, size: number, overlappingSync: boolean): Promise<Meta[]> => {
  if (size < META_READ) throw damaged(file, `it is cut off at ${size} bytes, before the end of its first meta page`);
  const first = readMeta(file, await readAt(fh, META_READ, 0), 'meta page 0', 0);
  const { psize } = first;
  if (size < psize + META_READ) throw damaged(file, `it is cut off at ${size} bytes, before the end of its second meta page`);
  const metas = [first, readMeta(file, await readAt(fh, META_READ, psize), 'meta page 1', 1)];
  if (overlappingSync) {
    const third = readMeta(file, await readAt(fh, META_READ, psize >> 1), 'the half-page meta', undefined);
    if (third.txnid !== 0n) metas.push(third);
  }
  for (const m of metas) {
    if (m.psize !== psize) throw damaged(file, `${m.name} gives page size ${m.psize}, meta page 0 ${psize}`);
    if (m.lastPage < 1n || (m.lastPage + 1n) * BigInt(psize) > MAX_MAP) throw damaged(file, `${m.name} gives an impossible last page ${m.lastPage}`);
    for (const root of m.roots) {
      if (root !== NO_PAGE && (root < 2n || root > m.lastPage)) throw damaged(file, `${m.name} names root page ${root}, outside pages 2…${m.lastPage}`);
    }
  }
  return metas;
};

/**
 * Every page reachable from `roots` (branch children, overflow runs, sub-databases) lies wholly inside the file's
 * `pages` and is the page it claims to be; the first one that is not, described, or undefined.
 */
const findUnreachable = async (fh: FileHandle, psize: number, pages: bigint, roots: readonly bigint[]): Promise<string | undefined> => {
  const seen = new Set<bigint>();
  const todo = roots.filter((r) => r !== NO_PAGE);
  const inFile = (pgno: bigint, count = 1n): boolean => pgno >= 2n && pgno + count <= pages;
  for (let pgno = todo.pop(); pgno !== undefined; pgno = todo.pop()) {
    if (seen.has(pgno)) continue;
    seen.add(pgno);
    if (!inFile(pgno)) return `page ${pgno}, which its tree uses, lies beyond the end of the file (${pages} pages): the file was truncated`;
    const page = await readAt(fh, psize, Number(pgno) * psize);
    if (page.length < psize) return `page ${pgno} is cut off by the end of the file`;
    if (page.readBigUInt64LE(0) !== pgno) return `page ${pgno} says it is page ${page.readBigUInt64LE(0)}`;
    const flags = page.readUInt16LE(18);
    if ((flags & P_LEAF2) !== 0) continue;
    const branch = (flags & P_BRANCH) !== 0;
    if (!branch && (flags & P_LEAF) === 0) return `page ${pgno} is neither a branch nor a leaf page (flags ${flags.toString(16)})`;
    const count = page.readUInt16LE(20) >> 1;
    if (HEADER + 2 * count > psize) return `page ${pgno} claims ${count} entries, more than a page holds`;
    for (let i = 0; i < count; i++) {
      const at = HEADER + page.readUInt16LE(HEADER + 2 * i);
      if (at + 8 > psize) return `entry ${i} of page ${pgno} lies outside the page`;
      const lo = BigInt(page.readUInt16LE(at));
      const hi = BigInt(page.readUInt16LE(at + 2));
      const nodeFlags = page.readUInt16LE(at + 4);
      if (branch) {
        todo.push(lo | (hi << 16n) | (BigInt(nodeFlags) << 32n));
        continue;
      }
      const data = at + 8 + page.readUInt16LE(at + 6);
      if ((nodeFlags & F_BIGDATA) !== 0) {
        if (data + 8 > psize) return `entry ${i} of page ${pgno} lies outside the page`;
        const first = page.readBigUInt64LE(data);
        const runPages = (BigInt(HEADER - 1) + (lo | (hi << 16n))) / BigInt(psize) + 1n;
        if (!inFile(first, runPages)) return `the value of entry ${i} of page ${pgno} (pages ${first}…) lies beyond the end of the file: the file was truncated`;
        const head = await readAt(fh, HEADER, Number(first) * psize);
        if (head.length < HEADER || head.readBigUInt64LE(0) !== first || (head.readUInt16LE(18) & P_OVERFLOW) === 0) {
          return `page ${first}, named by entry ${i} of page ${pgno}, is not the value's first page`;
        }
      } else if ((nodeFlags & F_SUBDATA) !== 0) {
        if (data + 48 > psize) return `entry ${i} of page ${pgno} lies outside the page`;
        todo.push(page.readBigUInt64LE(data + 40));
      }
    }
  }
  return undefined;
};

/**
 * How many times the walk of a short file is repeated when another process committed to the journal while it ran;
 * beyond that the journal is in use by a process that keeps committing to it, which it could not do were it damaged.
 */
const MAX_WALKS = 8;

/** The meta page LMDB opens the environment with: the one of the highest transaction number. */
const newest = (metas: readonly Meta[]): Meta => metas.reduce((a, b) => (b.txnid > a.txnid ? b : a));

/**
 * Checks the data file's meta pages and, when the file ends before the newest meta page's last page, every page its
 * trees reach. Another process may commit meanwhile: the metas are read before the file's extent (its pages are
 * written before its meta page, and the file only grows), and a walk that finds a page missing counts only when no
 * commit came between (a commit reuses freed pages, which can make an older tree's pages point anywhere).
 */
const checkData = async (file: string, fh: FileHandle, overlappingSync: boolean): Promise<LmdbFilesReport> => {
  for (let walk = 1; ; walk++) {
    const before = (await fh.stat()).size;
    if (before === 0) return { hasData: false };
    const latest = newest(await readMetas(file, fh, before, overlappingSync));
    const pages = BigInt(Math.floor((await fh.stat()).size / latest.psize));
    // The file may end before the last page legitimately (pages freed in the transaction that allocated them are
    // never written), so a short file is damage only when a page the tree reaches is missing.
    if (pages >= latest.lastPage + 1n) return { hasData: true };
    const problem = await findUnreachable(fh, latest.psize, pages, latest.roots);
    if (problem === undefined) return { hasData: true };
    const again = newest(await readMetas(file, fh, (await fh.stat()).size, overlappingSync));
    if (again.txnid === latest.txnid) throw damaged(file, problem);
    if (walk === MAX_WALKS) return { hasData: true };
  }
};

/** `file` exists as a regular file and opens for reading and writing; a missing one is created empty (as LMDB would). */
const checkOpenable = async (fs: FileSystem, file: string): Promise<void> => {
  try {
    const st = await fs.stat(file);
    if (st.kind !== 'file') throw damaged(file, `it is a ${st.kind}, not a file`);
    await (await fs.open(file, 'r+')).close();
  } catch (e) {
    if (hasCode(e, 'EJOURNAL')) throw e;
    if (!hasCode(e, 'ENOENT')) throw unusable(file, e, 'open');
    try {
      await (await fs.open(file, 'wx', 0o664)).close();
    } catch (e2) {
      if (!hasCode(e2, 'EEXIST')) throw unusable(file, e2, 'create');
    }
  }
};

/** Options of `checkLmdbFiles`. */
export interface CheckLmdbFilesOptions {
  /** The environment will be opened with overlapping sync (LMDB then also reads a third, half-page meta). */
  readonly overlappingSync: boolean;
  /**
   * This process has the environment open already: its lock file is not opened here, since closing any descriptor of
   * it would drop the POSIX locks LMDB holds on it for this process (and another process could then reset it).
   */
  readonly inUse: boolean;
}

/**
 * Checks the LMDB environment in directory `dir` (created when missing) before LMDB maps it: the lock and data
 * files open for reading and writing, and the data file's meta pages, page size and extent are LMDB's.
 * Errors: `EJOURNAL` (a damaged or truncated data file, a journal file that cannot be opened for writing; the message
 * says what to do), or the OS error of creating the directory.
 */
export const checkLmdbFiles = async (fs: FileSystem, dir: string, options: CheckLmdbFilesOptions): Promise<LmdbFilesReport> => {
  await fs.mkdir(dir, { recursive: true });
  if (!options.inUse) await checkOpenable(fs, path.join(dir, 'lock.mdb'));
  const file = path.join(dir, 'data.mdb');
  await checkOpenable(fs, file);
  const fh = await fs.open(file, 'r');
  try {
    return await checkData(file, fh, options.overlappingSync);
  } finally {
    await fh.close();
  }
};
