import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HEADER, type PushEvent } from '../server/contract/push-event';

/** A push as the smoke test's receiver got it: the raw bytes (what the signature covers) and the parsed event. */
export interface ReceivedSmokePush {
  rawBody: Buffer;
  signature: string | undefined;
  event: PushEvent;
}

export interface SmokeReceiver {
  /** http://<host>:<port>/ */
  url: string;
  /** Resolves with the first push (already received or still to come) that matches, or rejects after `timeoutMs`. */
  waitFor(match: (push: ReceivedSmokePush) => boolean, timeoutMs: number): Promise<ReceivedSmokePush>;
  close(): Promise<void>;
}

/** A node:http receiver for the app's pushes: records each one and answers 200. */
export async function startSmokeReceiver(host: string, port: number): Promise<SmokeReceiver> {
  const pushes: ReceivedSmokePush[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let event = {} as PushEvent;
      try {
        event = JSON.parse(rawBody.toString('utf8')) as PushEvent;
      } catch {
        // Kept as received: the schema check reports it.
      }
      const signature = req.headers[HEADER.signature.toLowerCase()];
      pushes.push({ rawBody, signature: Array.isArray(signature) ? signature[0] : signature, event });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    waitFor(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = pushes.find(match);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching push reached the receiver within ${timeoutMs} ms (${pushes.length} push(es) received)`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
