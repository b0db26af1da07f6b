/**
 * A process's lease on a shared journal: a row of `leases` (host id, pid, start time) whose expiry the database
 * keeps and the process renews every quarter of the lease. Liveness across hosts comes from it: a holder whose lease
 * expired (by the database's clock) is dead, so a dead host's locks are broken at most one lease after its last
 * renewal. A process that finds its own lease expired (it was paused, or cut off from the database, for longer than
 * the lease) takes a new one: its locks of the old lease are fenced (`transaction/fence.ts`), and every write the
 * database refuses under the old lease (`fence`) is run again under the new one.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { qualified } from './schema.js';

/** What a lease is taken with. */
export interface LeaseOptions {
  readonly pool: Pool;
  readonly schema: string;
  readonly hostId: string;
  readonly leaseMs: number;
  readonly procStart: string | null;
}

/** One process's lease on one journal (see the module comment). */
export class Lease {
  /** The lease held now. */
  current: string = randomUUID();
  /** Leases this process held before and lost (lapsed). */
  readonly past = new Set<string>();
  readonly counts = { renewals: 0, lapses: 0, failedRenewals: 0 };
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private readonly table: string;

  constructor(private readonly o: LeaseOptions) {
    this.table = qualified(o.schema, 'leases');
  }

  private insert(id: string): Promise<unknown> {
    return this.o.pool.query(
      `INSERT INTO ${this.table} (id, host, pid, proc_start, expires_at) VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')`,
      [id, this.o.hostId, process.pid, this.o.procStart, this.o.leaseMs],
    );
  }

  /** Takes the first lease and starts renewing it. Errors: the database's (the caller maps them). */
  async start(): Promise<void> {
    await this.insert(this.current);
    // Leases that expired long ago name nobody alive: a lock naming one is stale whether its row is there or not.
    await this.o.pool.query(`DELETE FROM ${this.table} WHERE expires_at < now() - interval '1 day'`);
    this.timer = setInterval(() => {
      this.renew().catch(() => {
        this.counts.failedRenewals++;
      });
    }, Math.max(10, Math.floor(this.o.leaseMs / 4)));
    this.timer.unref();
  }

  /**
   * Extends the lease by a whole lease from now, or — when it has expired — takes a new one. One renewal at a time.
   * Errors: the database's (the caller maps them; the timer just tries again).
   */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const held = this.current;
    const r = await this.o.pool.query(
      `UPDATE ${this.table} SET expires_at = now() + $2 * interval '1 millisecond' WHERE id = $1 AND expires_at > now()`,
      [held, this.o.leaseMs],
    );
    if ((r.rowCount ?? 0) > 0) {
      this.counts.renewals++;
      return;
    }
    const next = randomUUID();
    await this.insert(next);
    this.past.add(held);
    this.current = next;
    this.counts.lapses++;
  }

  /** Stops renewing and gives the lease back (a clean exit: nothing of this process is alive any more). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.renewing?.catch(() => undefined);
    await this.o.pool.query(`DELETE FROM ${this.table} WHERE id = ANY($1)`, [[this.current, ...this.past]]);
  }

  /** Whether lease `id` is alive by the database's clock. Errors: the database's. */
  async isAlive(id: string): Promise<boolean> {
    const r = await this.o.pool.query<{ alive: boolean }>(`SELECT expires_at > now() AS alive FROM ${this.table} WHERE id = $1`, [id]);
    return r.rows[0]?.alive === true;
  }
}
