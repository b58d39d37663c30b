import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openSqliteStore } from '../../src/companion/store';
import { signBody } from '../helpers/hmac';
import type { Setup } from './harness';

/**
 * A transparent proxy between the app and the companion's webhook that keeps a copy of every push
 * the companion accepted (2xx), so a scenario can deliver them again itself: re-signed with the
 * connection's secret (fresh timestamps), twice, and out of order. While the companion is down it
 * answers 502, as a load balancer would.
 */

export interface CapturedPush {
  path: string;
  body: string;
  eventId: string;
  attempt: string | undefined;
}

export interface PushCapture {
  url: string;
  pushes: CapturedPush[];
  /** Sends to this port from now on (the companion's, known once it is chosen). */
  target(port: number): void;
  close(): Promise<void>;
}

export async function startPushCapture(): Promise<PushCapture> {
  let targetPort = 0;
  const pushes: CapturedPush[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string' && (name === 'content-type' || name.startsWith('x-incident-io-'))) headers[name] = value;
      }
      fetch(`http://127.0.0.1:${targetPort}${request.url ?? '/'}`, { method: request.method ?? 'POST', headers, body, signal: AbortSignal.timeout(20_000) })
        .then(async (answer) => {
          const text = await answer.text();
          if (answer.ok && request.method === 'POST') {
            pushes.push({ path: request.url ?? '/', body: body.toString('utf8'), eventId: headers['x-incident-io-event-id'] ?? '', attempt: headers['x-incident-io-delivery-attempt'] });
          }
          response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
        })
        .catch(() => response.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"the companion is not answering"}'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    pushes,
    target: (p) => (targetPort = p),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The connection's current signing secret, read from the companion's store with its key (the
 * test's own copy of what `connect` stored; the companion's process keeps running).
 */
export async function signingSecret(setup: Setup): Promise<string> {
  const store = await openSqliteStore({ file: setup.dbFile, env: setup.env });
  try {
    const [summary] = await store.listConnections();
    const connection = summary ? await store.getConnection(summary.name) : undefined;
    const secret = connection?.signingSecret;
    if (!secret) throw new Error('no stored connection with a signing secret');
    return secret.reveal();
  } finally {
    await store.close();
  }
}

/** Posts a captured push to the companion's webhook again, signed now with `secret`. */
export async function redeliver(setup: Setup, push: CapturedPush, secret: string): Promise<number> {
  const answer = await fetch(`${setup.api}${push.path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-incident-io-signature': signBody(secret, push.body),
      'x-incident-io-event-id': push.eventId,
      'x-incident-io-delivery-attempt': String(Number(push.attempt ?? '1') + 1),
    },
    body: push.body,
    signal: AbortSignal.timeout(20_000),
  });
  await answer.text();
  return answer.status;
}
