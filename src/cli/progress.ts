/**
 * Progress bars (cli-progress) on stderr, drawn only on a terminal and never with --json.
 */
import cliProgress from 'cli-progress';
import type { CliContext } from './cliIo.js';
import { formatBytes } from './format.js';

/** A progress bar, or a do-nothing stand-in when bars are off. */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar labelled `label`, counting items (or bytes with `unit: 'bytes'`); a silent one when stderr is
 * not a terminal or --json is on. Starts on the first update. Never throws.
 */
export const createProgress = (ctx: CliContext, label: string, unit: 'items' | 'bytes' = 'items'): Progress => {
  if (!ctx.progress) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream: ctx.io.stderr as unknown as NodeJS.WritableStream,
      format: `${label} {bar} {percentage}% | {shown}`,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const shown = (done: number, total: number): string =>
    unit === 'bytes' ? `${formatBytes(done)} / ${formatBytes(total)}` : `${done}/${total}`;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, done, { shown: shown(done, total) });
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(done, { shown: shown(done, total) });
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
};

/**
 * Wraps a stream of chunks so that each chunk moves the progress bar; the chunks pass through unchanged.
 * Rejects as the source does.
 */
export async function* withByteProgress(source: AsyncIterable<Uint8Array>, total: number, progress: Progress): AsyncGenerator<Uint8Array> {
  let done = 0;
  progress.update(0, total);
  try {
    for await (const chunk of source) {
      done += chunk.byteLength;
      progress.update(done, Math.max(total, done));
      yield chunk;
    }
  } finally {
    progress.stop();
  }
}
