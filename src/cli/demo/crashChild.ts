/**
 * Starts the demo's second export in a child process and kills it with SIGKILL once it reports that its
 * transaction is staging.
 */
import { spawn } from 'node:child_process';
import { TxfsError } from '../../errors.js';
import { stagingMarker } from './demoExport.js';

/** What the killed child had reached. */
export interface KilledChild {
  readonly pid: number;
  readonly txId: string;
  readonly signal: string;
}

/** How long the child may take to reach staging before the demo gives up (a bound, not a measurement). */
const reachTimeoutMs = 60_000;

/**
 * Runs `execPath args… __demo-export <root> --slow`, waits for its `STAGING <txid>` line, sends SIGKILL and waits
 * for it to die. Rejects with `EDEMO` when the child exits before staging (its last stderr line says why) or
 * does not get there within a minute.
 */
export const crashChildExport = (self: { execPath: string; args: readonly string[] }, root: string): Promise<KilledChild> =>
  new Promise((resolve, reject) => {
    const child = spawn(self.execPath, [...self.args, '__demo-export', root, '--slow'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let txId: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TxfsError('EDEMO', 'EDEMO: the demo export did not reach staging within a minute; run with TXFS_DEBUG=1 to see why'));
    }, reachTimeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = new RegExp(`^${stagingMarker} (\\S+)`, 'm').exec(out);
      if (m !== null && txId === undefined) {
        txId = m[1] ?? '';
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (txId !== undefined && signal === 'SIGKILL') resolve({ pid: child.pid ?? 0, txId, signal });
      else {
        const last = err.trim().split('\n').pop() ?? '';
        reject(new TxfsError('EDEMO', `EDEMO: the demo export exited (${signal ?? `code ${code ?? '?'}`}) before it could be killed mid-transaction: ${last}`));
      }
    });
  });
