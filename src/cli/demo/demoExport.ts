/**
 * The demo's child process (`txfs __demo-export <root> [--slow]`): runs the second export in a transaction.
 * With --slow, report.xml is a stream that stops after its first chunk, after printing `STAGING <txid>`:
 * the transaction is then mid-staging, with its intent journalled and temp files on disk, until the parent kills it.
 */
import type { Store } from '../../types.js';
import { addExport, exportContent } from './demoData.js';

/** What the child prints when the kill may land: the transaction is staging. */
export const stagingMarker = 'STAGING';

/** A stream of report.xml that yields its first chunk, tells `onStaging`, and then never ends. */
async function* stalledReport(onStaging: () => void): AsyncGenerator<Uint8Array> {
  const content = Buffer.from(exportContent('export/report.xml', 2));
  yield content.subarray(0, 16);
  onStaging();
  // Keeps the process alive while it waits for the SIGKILL that the parent sends.
  setInterval(() => undefined, 60_000);
  await new Promise<never>(() => undefined);
}

/** Runs export 2 on `store`; with `slow`, never finishes (see the file comment). Rejects as the transaction does. */
export const runDemoExport = async (store: Store, slow: boolean, print: (line: string) => void): Promise<string> => {
  const result = await store.transaction(
    (tx) => {
      addExport(tx, 2, slow ? stalledReport(() => print(`${stagingMarker} ${tx.id} pid ${process.pid}`)) : undefined);
    },
    { label: 'demo export 2' },
  );
  return result.id;
};
