/**
 * The one table of `npm run bench`: every target of the performance issue (DESIGN "Performance targets") with the
 * ratio this run measured, read back from the results the benches of this run wrote (bench/results/*.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

type Json = Record<string, unknown>;

/** One row: what, the measured figure, the target, where it comes from. */
interface Row {
  readonly what: string;
  readonly measured: number | string | undefined;
  readonly target: string;
}

const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Json)[k] : undefined), o);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toFixed(3)) : undefined);

const rowsOf = (r: ReadonlyMap<string, Json>): Row[] => {
  const aw = r.get('atomic-write');
  const tx = r.get('transaction');
  const st = r.get('stream');
  const txRatio = (k: string): number | undefined => num(at(tx, 'ratios', k));
  const fsyncs = (k: string): number | undefined => num(at(tx, 'journalFsyncsPerTransaction', k));
  return [
    { what: 'writeFileAtomic 4 KiB sequential vs write-file-atomic', measured: num(at(aw, 'ratios', 'vsWriteFileAtomic')), target: '≥ 1.5' },
    { what: 'writeFileAtomic 4 KiB sequential vs atomically', measured: num(at(aw, 'ratios', 'vsAtomically')), target: '≥ 1.2' },
    { what: 'writeFileAtomic 4 KiB sequential vs a plain 2-fsync atomic write', measured: num(at(aw, 'ratios', 'vsPlain2FsyncAtomicWrite')), target: '≥ 0.9' },
    ...['', ' (atomic)', ' (none)'].flatMap((m): Row[] => [
      { what: `10-file transaction${m} vs 10 parallel write-file-atomic`, measured: txRatio(`10-file transaction${m} vs 10 parallel write-file-atomic (target ≥ 1.0)`), target: '≥ 1.0' },
      { what: `10-file transaction${m} vs the floor`, measured: txRatio(`10-file transaction${m} vs the floor (target ≥ 0.67)`), target: '≥ 0.67' },
      { what: `16 concurrent store writes${m} vs 16 concurrent atomically`, measured: txRatio(`16 concurrent transactions${m} vs 16 concurrent atomically (target ≥ 1.0)`), target: '≥ 1.0' },
      { what: `16 concurrent store writes${m} vs 16 concurrent write-file-atomic`, measured: txRatio(`16 concurrent transactions${m} vs 16 concurrent write-file-atomic (target ≥ 1.0)`), target: '≥ 1.0' },
      { what: `sequential store.writeFile${m} vs atomically`, measured: txRatio(`sequential store.writeFile${m} vs atomically`), target: '(reported)' },
      { what: `sequential store.writeFile${m}, another file each time, vs atomically`, measured: txRatio(`sequential store.writeFile${m}, another file each time, vs atomically`), target: '(reported)' },
    ]),
    { what: 'journal fsyncs per store write, sequential', measured: fsyncs('txfs sequential store.writeFile'), target: '(reported)' },
    { what: 'journal fsyncs per transaction, 16 concurrent', measured: fsyncs('txfs 16 concurrent 1-file transactions'), target: '(reported)' },
    { what: 'journal fsyncs per transaction, 100 concurrent', measured: fsyncs('txfs 100 concurrent 1-file transactions'), target: '< 0.5' },
    { what: '1 GiB stream, writeFileAtomic vs pipeline()+fsync', measured: num(at(st, 'ratios', 'writeFileAtomicVsPipeline')), target: '≥ 0.9' },
    { what: '1 GiB stream, store transaction vs pipeline()+fsync', measured: num(at(st, 'ratios', 'storeTransactionVsPipeline')), target: '≥ 0.9' },
    { what: 'tx.copy 1 GiB (source the store wrote) vs copyFile+fsync', measured: num(at(st, 'ratios', 'txCopyVsCopyFile')), target: '≥ 0.8' },
    { what: 'tx.copy 1 GiB (source new to the store: hashed beside the copy) vs copyFile+fsync', measured: num(at(st, 'ratios', 'txCopyNewSourceVsCopyFile')), target: '≥ 0.8' },
    {
      what: 'peak RSS of the 1 GiB runs, MiB (max over writeFileAtomic, store, both tx.copy)',
      measured: num(Math.max(...['writeFileAtomic', 'store transaction', 'tx.copy', 'tx.copy, source new to the store'].map((k) => Number(at(st, 'peakRssMiB', k) ?? Number.NaN)))),
      target: '< 100',
    },
    ...['10-file transaction', '16 concurrent 1-file transactions', '16 concurrent 1-file transactions on 3 stores'].map(
      (k): Row => ({ what: `PostgreSQL journal / LMDB, time: ${k}`, measured: num(at(r.get('postgres'), 'ratios', `${k}: PostgreSQL / LMDB (time)`)), target: '(reported)' }),
    ),
    ...['16 concurrent: loop busy per file, txfs / atomically', 'sequential: loop busy per file, txfs (none) / atomically'].map(
      (k): Row => ({ what: `event-loop busy time per file written, ${k.replace(': loop busy per file,', ':')} (> 1: txfs does more work)`, measured: num(at(r.get('event-loop'), 'ratios', k)), target: '(reported)' }),
    ),
    { what: 'openStore on a clean journal, ms', measured: num(at(tx, 'openStoreCleanMs')), target: '< 10' },
    { what: 'recovery of 1,000 interrupted transactions, ms', measured: num(at(tx, 'recovery', 'wallMs')), target: '< 2000' },
  ];
};

/** Prints the table from the results in `dir` written since `since` (ms); rows whose bench did not run say so. */
export const printSummary = (dir: string, since: number): void => {
  const results = new Map<string, Json>();
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!f.endsWith('.json')) continue;
    const file = path.join(dir, f);
    if (fs.statSync(file).mtimeMs < since) continue;
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    if (typeof j.bench === 'string') results.set(j.bench, j);
  }
  const rows = rowsOf(results);
  console.log('\n=== summary: ratios are throughput (> 1: txfs faster), measured in this run');
  console.table(Object.fromEntries(rows.map((r) => [r.what, { measured: r.measured ?? '(not run)', target: r.target }])));
};
