/**
 * Temp files of writes still in flight are removed when the process ends: at `exit` (process.exit(), the end of the
 * event loop, an uncaught exception) and on SIGTERM, SIGINT and SIGHUP, after which the signal is raised again so the
 * process ends as it would have (its exit status shows the signal). write-file-atomic and atomically do the same (with
 * signal-exit); this is the small part of it txfs needs.
 *
 * The handlers are installed only while a temp file is pending and removed a moment (`LINGER_MS`) after the last one
 * settles (writes one after another then install them once, not once each: a signal handler is a handle of its own to
 * start and stop). Without a temp pending they only raise the signal again. They never keep the
 * process alive (signal handles are unref'd), never set an exit code, and step aside when the program has a handler of
 * its own for the signal: that handler decides whether the process ends, and the temps go at `exit`. signal-exit's
 * handlers (v3 and v4 count themselves on globals) are cleanup handlers like this one, not the program's: with them
 * listening too, the first to run cleans up and raises the signal again, and the next does the same.
 * After SIGKILL nothing runs: a later write of the target removes the temps of dead writers (`removeDeadTemps.ts`).
 */
import { isMainThread } from 'node:worker_threads';
import type { FileSystem } from '../fs/fileSystem.js';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
type EndSignal = (typeof SIGNALS)[number];

/** Temp files to remove, each with the synchronous unlink of its file system. */
const pending = new Map<string, (path: string) => void>();

const removeAll = (): void => {
  for (const [path, unlink] of pending) {
    try {
      unlink(path);
    } catch {
      // Gone already (renamed into place, or removed by the write itself): nothing to do, and nothing may throw here.
    }
  }
  pending.clear();
};

/** How many signal handlers of signal-exit (v4 shares one emitter on globalThis, v3 one on process) are loaded. */
const signalExitHandlers = (): number => {
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')]?.count;
  const v3 = (process as unknown as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__?.count;
  return (typeof v4 === 'number' ? v4 : 0) + (typeof v3 === 'number' ? v3 : 0);
};

const onSignal = (signal: EndSignal): void => {
  // The program's own handler of this signal decides; the temps go at exit if it ends the process.
  if (process.listeners(signal).length > 1 + signalExitHandlers()) return;
  removeAll();
  uninstall();
  process.kill(process.pid, signal);
};
const handlers = new Map(SIGNALS.map((s) => [s, () => onSignal(s)] as const));

let installed = false;
/** How long the handlers stay once no temp is pending, for the next write to find them in place. */
const LINGER_MS = 100;
/** An uninstall is scheduled (it does nothing if a temp is pending by then). */
let leaving = false;

const install = (): void => {
  if (installed) return;
  installed = true;
  process.on('exit', removeAll);
  // Signals reach the main thread only; a worker's temps are removed at its exit.
  if (isMainThread) for (const [signal, handler] of handlers) process.on(signal, handler);
};

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener('exit', removeAll);
  for (const [signal, handler] of handlers) process.removeListener(signal, handler);
}

/**
 * Removes `path` (a temp file being written) through `fs.unlinkSync` should the process exit, or be ended by SIGTERM,
 * SIGINT or SIGHUP, before the returned function is called; that function says the temp is settled (renamed into place
 * or removed). A file system without `unlinkSync` (a simulated disk) registers nothing.
 */
export const removeOnExit = (fs: Pick<FileSystem, 'unlinkSync'>, path: string): (() => void) => {
  if (fs.unlinkSync === undefined) return () => undefined;
  pending.set(path, (p) => fs.unlinkSync?.(p));
  install();
  return () => {
    pending.delete(path);
    if (pending.size === 0 && !leaving) {
      leaving = true;
      setTimeout(() => {
        leaving = false;
        if (pending.size === 0) uninstall();
      }, LINGER_MS).unref();
    }
  };
};

/** How many temp files are registered for removal at exit (0 once every write has settled). */
export const pendingTemps = (): number => pending.size;
