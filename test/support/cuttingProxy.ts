/**
 * A proxy in front of a PostgreSQL server's unix socket that can cut a connection at a chosen moment, as a network
 * failure would: when a client message containing a given text passes, either forward it and then cut (the server
 * acts on it; the client never hears back), or cut without forwarding it (the server never sees it). Connect to
 * `url`; the proxy listens on its own socket directory.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** A running proxy. */
export interface CuttingProxy {
  readonly url: string;
  /** Cuts the next connection whose client sends `text` (once): after forwarding it, or instead of forwarding it. */
  arm(text: string, when: 'after-forwarding' | 'before-forwarding'): void;
  /** How many connections it has cut. */
  readonly cuts: number;
  /** Cuts every open connection now (a dropped host connection). */
  cutAll(): void;
  close(): Promise<void>;
}

/** Starts a proxy to the server whose socket directory is `serverDir` (port 5432). */
export const startCuttingProxy = async (serverDir: string): Promise<CuttingProxy> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txfs-pgproxy-'));
  const target = path.join(serverDir, '.s.PGSQL.5432');
  let armed: { text: Buffer; when: 'after-forwarding' | 'before-forwarding' } | undefined;
  let cuts = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.createConnection(target);
    open.add(client).add(upstream);
    let awaitingAnswer = false;
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      const hit = armed !== undefined && chunk.includes(armed.text) ? armed : undefined;
      if (hit === undefined) {
        upstream.write(chunk);
        return;
      }
      armed = undefined;
      cuts++;
      if (hit.when === 'before-forwarding') end();
      else {
        // Forwarded whole, then the client side is cut at once: the client hears nothing. The server's side stays open
        // until it answers (it has acted on the message then), so that whether it committed never depends on timing.
        awaitingAnswer = true;
        setTimeout(end, 5000).unref();
        upstream.write(chunk, () => client.destroy());
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (awaitingAnswer) end();
      else if (!client.destroyed) client.write(chunk);
    });
    client.on('error', end).on('close', () => {
      if (!awaitingAnswer) setTimeout(end, 50);
    });
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(path.join(dir, '.s.PGSQL.5432'), resolve));
  return {
    url: `postgresql:///postgres?host=${encodeURIComponent(dir)}&port=5432&user=postgres`,
    arm(text, when) {
      armed = { text: Buffer.from(text), when };
    },
    get cuts() {
      return cuts;
    },
    cutAll() {
      for (const s of open) s.destroy();
      open.clear();
    },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};
