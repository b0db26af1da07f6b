/**
 * The recovery pass: finds every transaction left unfinished by a process that died (or by a failure after the
 * commit point), and finishes it — forward or back — from the journal alone. Run by `openStore`, and callable.
 * A clean journal costs two range scans (locks, open markers).
 */
import { TxfsError } from '../errors.js';
import type { JournalTxn } from '../journal/journal.js';
import type { StoreContext } from '../transaction/context.js';
import { envelopeChecksum } from '../journal/envelope.js';
import { adoptLocks, breakStaleLocks, listLocks, releaseIn, releaseLocks, type LockInfo } from '../transaction/locks.js';
import { decodeTx, isFinal, openKey, openPrefix, txKey, type TxRecord } from '../journal/records/txRecord.js';
import type { RecoveryReport } from '../types.js';
import { recoverySteps, replayRecord, settleReplays, type RecoverySteps, type ReplayResult } from './replay.js';

type Problem = RecoveryReport['problems'][number];

/**
 * The open records whose owner is gone (no live lock held by them), with the checksum they were read with.
 * Throws EJOURNAL for a record that does not decode.
 */
const deadOpenRecords = async (ctx: StoreContext): Promise<Array<{ rec: TxRecord; sum: string | undefined }>> => {
  const { journal } = ctx.env;
  const open = await journal.range(openPrefix);
  if (open.length === 0) return [];
  const records = await Promise.all(
    open.map(async ({ key }) => {
      const k = txKey(key.slice(openPrefix.length));
      const raw = await journal.get(k);
      return { rec: decodeTx(k, raw), sum: envelopeChecksum(raw) };
    }),
  );
  const live = new Set((await listLocks(ctx.env)).filter((l) => !l.stale).map((l) => l.txId));
  return records.filter(({ rec }) => !live.has(rec.id)).sort((a, b) => (a.rec.id < b.rec.id ? -1 : a.rec.id > b.rec.id ? 1 : 0));
};

const pathsOf = (recs: readonly TxRecord[]): string[] =>
  [...new Set(recs.flatMap((r) => r.ops.flatMap((op) => (op.source === undefined ? [op.target] : [op.target, op.source]))))].sort();

/**
 * The locks recovery must take over to finish `rec`: those on its paths (taking them is also what keeps two
 * recoveries from finishing one record twice), and every other lock it still holds (a name it locked before an
 * `onExists` policy moved its file elsewhere). Absent ones are left out of the map.
 */
const locksOf = async (ctx: StoreContext, rec: TxRecord): Promise<{ paths: string[]; locks: Map<string, LockInfo> }> => {
  const all = await listLocks(ctx.env);
  const paths = [...new Set([...pathsOf([rec]), ...all.filter((l) => l.txId === rec.id).map((l) => l.path)])].sort();
  const wanted = new Set(paths);
  return { paths, locks: new Map(all.filter((l) => wanted.has(l.path)).map((l) => [l.path, l])) };
};

/** Why a record cannot be taken over now, or undefined when its locks are free or its own and stale. */
const blockedBy = (rec: TxRecord, locks: ReadonlyMap<string, LockInfo>): LockInfo | undefined =>
  [...locks.values()].find((l) => l.txId !== rec.id || !l.stale);

/**
 * Recovers every dead transaction of the store: `staging` rolled back, `committing` rolled forward (or back from its
 * backups, reported as a problem). A dead transaction's locks pass to this recovery, which finishes the transaction and
 * releases them in one journal transaction: nobody can commit over a half-finished one. A record that cannot be
 * finished now (a live transaction holds one of its paths, or a step fails) is reported in `problems` and keeps its
 * locks; the others are finished. Stale locks of finished transactions are broken. Idempotent: interrupted, it is
 * simply run again. `steps`: recovery's durable point (tests replace it; default the correct one).
 * @throws TxfsError EJOURNAL (a record that does not decode: nothing is touched), or an OS error of the journal.
 */
export const recoverStore = async (ctx: StoreContext, steps: RecoverySteps = recoverySteps): Promise<RecoveryReport> => {
  const started = performance.now();
  const { env } = ctx;
  let staleLocksBroken = await breakStaleLocks(env);
  const found = await deadOpenRecords(ctx);
  const sums = new Map(found.map((d) => [d.rec.id, d.sum]));
  const report = { rolledForward: [] as string[], rolledBack: [] as string[], tempFilesRemoved: 0, problems: [] as Problem[] };
  const problem = (rec: TxRecord, e: unknown): void => {
    const code = e instanceof TxfsError ? e.code : 'EIO';
    const message = e instanceof Error ? e.message : String(e);
    report.problems.push({ txId: rec.id, code, message: `transaction ${rec.id} was left unfinished (${message}); its files keep their locks until recovery finishes it` });
  };

  let blocked: Array<{ rec: TxRecord; lock: LockInfo }> = [];
  /** Takes over `seen`'s locks and replays it; undefined when another recovery has it or it is final already. */
  const takeOver = async (seen: TxRecord): Promise<{ rec: TxRecord; r: ReplayResult; paths: readonly string[]; locks: number } | undefined> => {
    const { paths, locks } = await locksOf(ctx, seen);
    const blocker = blockedBy(seen, locks);
    if (blocker !== undefined) {
      // Its own lock held by a live holder: another recovery is finishing it right now.
      if (blocker.txId === seen.id) return undefined;
      blocked.push({ rec: seen, lock: blocker });
      return undefined;
    }
    if (!(await adoptLocks(env, seen.id, paths, locks))) return undefined;
    try {
      // Another process's recovery may have moved it on meanwhile: read it again.
      const raw = await env.journal.get(txKey(seen.id));
      const rec = envelopeChecksum(raw) === sums.get(seen.id) ? seen : decodeTx(txKey(seen.id), raw);
      if (isFinal(rec.state) && (await env.journal.get(openKey(rec.id))) === undefined) {
        await releaseLocks(env, rec.id, paths);
        env.processes.markDone(rec.id);
        return undefined;
      }
      return { rec, r: await replayRecord(ctx, rec), paths, locks: locks.size };
    } catch (e) {
      env.processes.markDone(seen.id);
      problem(seen, e);
      return undefined;
    }
  };

  /** Finishes the records of one batch together; returns how many it finished. */
  const finishBatch = async (batch: readonly TxRecord[]): Promise<number> => {
    const results = (await Promise.all(batch.map(takeOver))).filter((x) => x !== undefined);
    results.sort((a, b) => (a.rec.id < b.rec.id ? -1 : a.rec.id > b.rec.id ? 1 : 0));
    try {
      // Their directories, cleanups and final records together; the final word also releases their locks.
      await settleReplays(ctx, results.map(({ rec, r, paths }) => ({ ...r, finish: (txn: JournalTxn) => {
        r.finish(txn);
        releaseIn(txn, rec.id, paths);
      } })), steps);
    } catch (e) {
      for (const { rec } of results) problem(rec, e);
      return 0;
    } finally {
      for (const { rec } of results) env.processes.markDone(rec.id);
    }
    for (const { rec, r, locks } of results) {
      ctx.stuck.delete(rec.id);
      staleLocksBroken += locks;
      report.tempFilesRemoved += r.tempFilesRemoved;
      if (r.plan.outcome === 'rolled-forward') report.rolledForward.push(rec.id);
      if (r.plan.outcome === 'rolled-back') report.rolledBack.push(rec.id);
      if (r.plan.problem !== undefined) report.problems.push({ txId: rec.id, ...r.plan.problem });
    }
    return results.length;
  };

  // Records on disjoint paths are finished together (in batches); one sharing a path with the batch waits for it.
  const batchesOf = (recs: readonly TxRecord[]): TxRecord[][] => {
    const batches: TxRecord[][] = [];
    let batchPaths = new Set<string>();
    for (const rec of recs) {
      const paths = pathsOf([rec]);
      const last = batches.at(-1);
      if (last === undefined || last.length >= 128 || paths.some((p) => batchPaths.has(p))) {
        batches.push([rec]);
        batchPaths = new Set(paths);
      } else {
        last.push(rec);
        for (const p of paths) batchPaths.add(p);
      }
    }
    return batches;
  };
  let todo = found.map((f) => f.rec);
  // A record blocked by the stale lock of another dead one goes again once that one is finished (a few passes at most).
  for (let pass = 0; todo.length > 0 && pass < 4; pass++) {
    blocked = [];
    let finished = 0;
    for (const batch of batchesOf(todo)) finished += await finishBatch(batch);
    todo = blocked.filter((b) => b.lock.stale).map((b) => b.rec);
    if (finished === 0) break;
  }
  for (const { rec, lock } of blocked) {
    const who = lock.stale ? `the unfinished transaction ${lock.txId} of a process that is gone` : 'a live transaction';
    report.problems.push({ txId: rec.id, path: lock.path, code: 'ELOCKED', message: `transaction ${rec.id} was left unfinished: ${who} holds one of its paths (${lock.path}); run recovery again later` });
  }
  return { ...report, staleLocksBroken, durationMs: performance.now() - started };
};
