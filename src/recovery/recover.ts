/**
 * The recovery pass: finds every transaction left unfinished by a process that died (or by a failure after the
 * commit point), and finishes it — forward or back — from the journal alone. Run by `openStore`, and callable.
 * A clean journal costs two range scans (locks, open markers).
 */
import { hasCode } from '../errors.js';
import type { StoreContext } from '../transaction/context.js';
import { envelopeChecksum } from '../journal/envelope.js';
import { acquireLocks, breakStaleLocks, listLocks, lockOwner, releaseLocks } from '../transaction/locks.js';
import { decodeTx, isFinal, openKey, openPrefix, txKey, type TxRecord } from '../journal/records/txRecord.js';
import type { RecoveryReport } from '../types.js';
import { replayRecord, settleReplays, type ReplayResult } from './replay.js';

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
 * Recovers every dead transaction of the store: `staging` rolled back, `committing` rolled forward (or back from its
 * backups, reported as a problem), stale locks broken. Idempotent: interrupted, it is simply run again.
 * @throws TxfsError EJOURNAL (a record that does not decode: nothing is touched), ELOCKED, or an OS error.
 */
export const recoverStore = async (ctx: StoreContext): Promise<RecoveryReport> => {
  const started = performance.now();
  const { env } = ctx;
  const staleLocksBroken = await breakStaleLocks(env);
  const found = await deadOpenRecords(ctx);
  const dead = found.map((d) => d.rec);
  const sums = new Map(found.map((d) => [d.rec.id, d.sum]));
  const report = { rolledForward: [] as string[], rolledBack: [] as string[], tempFilesRemoved: 0, staleLocksBroken, problems: [] as Problem[] };
  if (dead.length > 0) {
    const rid = env.newId();
    const owner = lockOwner(rid, 'recovery');
    const taken: string[] = [];
    const lock = async (paths: readonly string[]): Promise<boolean> => {
      try {
        await acquireLocks(env, paths, owner, { timeoutMs: ctx.lockTimeoutMs });
        taken.push(...paths);
        return true;
      } catch (e) {
        if (!hasCode(e, 'ELOCKED')) throw e;
        return false;
      }
    };
    env.processes.markRunning(rid);
    try {
      // All locks at once; if a live transaction holds one, record by record, leaving the blocked ones for later.
      const all = await lock(pathsOf(dead));
      const todo: TxRecord[] = [];
      for (const rec of dead) {
        if (all || (await lock(pathsOf([rec])))) todo.push(rec);
        else report.problems.push({ txId: rec.id, code: 'ELOCKED', message: `transaction ${rec.id} was left unfinished: a live transaction holds one of its paths; run recovery again later` });
      }
      const results: Array<{ rec: TxRecord; r: ReplayResult }> = [];
      const replay = async (seen: TxRecord): Promise<void> => {
        // Another process's recovery may have moved it on while this one waited for the locks: read it again.
        const raw = await env.journal.get(txKey(seen.id));
        const rec = envelopeChecksum(raw) === sums.get(seen.id) ? seen : decodeTx(txKey(seen.id), raw);
        if (isFinal(rec.state) && (await env.journal.get(openKey(rec.id))) === undefined) return;
        results.push({ rec, r: await replayRecord(ctx, rec) });
      };
      // Records on disjoint paths are replayed together (in batches); one sharing a path with the batch waits for it.
      let batch: TxRecord[] = [];
      let batchPaths = new Set<string>();
      const flush = async (): Promise<void> => {
        await Promise.all(batch.map(replay));
        batch = [];
        batchPaths = new Set();
      };
      for (const rec of todo) {
        const paths = pathsOf([rec]);
        if (batch.length >= 128 || paths.some((p) => batchPaths.has(p))) await flush();
        batch.push(rec);
        for (const p of paths) batchPaths.add(p);
      }
      await flush();
      results.sort((a, b) => (a.rec.id < b.rec.id ? -1 : a.rec.id > b.rec.id ? 1 : 0));
      // Every file step of every record is done: their directories, cleanups and final records, together.
      await settleReplays(ctx, results.map(({ r }) => r));
      for (const { rec, r } of results) {
        ctx.stuck.delete(rec.id);
        report.tempFilesRemoved += r.tempFilesRemoved;
        if (r.plan.outcome === 'rolled-forward') report.rolledForward.push(rec.id);
        if (r.plan.outcome === 'rolled-back') report.rolledBack.push(rec.id);
        if (r.plan.problem !== undefined) report.problems.push({ txId: rec.id, ...r.plan.problem });
      }
      // The locks of the dead transactions were broken above; nothing of theirs is left to release.
    } finally {
      env.processes.markDone(rid);
      await releaseLocks(env, rid, taken).catch((e: unknown) => ctx.logger?.warn({ err: e }, 'releasing the recovery locks failed'));
    }
  }
  return { ...report, durationMs: performance.now() - started };
};
