import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyPushSignature } from '../../src/companion/webhooks/verify-signature';
import type { PushEvent } from '../../src/server/contract/push-event';

/**
 * A webhook receiver for tests: a node:http server on 127.0.0.1:0 that records every push (raw
 * body, headers, arrival time) and answers as told (200 by default; a status, a delay). `verify`
 * checks a push's signature with the receiver-side verifier the companion uses.
 */

export interface ReceivedPush {
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  event: PushEvent;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface PushReceiver {
  url: string;
  pushes: ReceivedPush[];
  /** How the next pushes are answered (default 200). */
  answer: (push: ReceivedPush) => Answer;
  /** Pushes of one event id, de-duplicated views are up to the test. */
  eventTypes(): string[];
  verify(push: ReceivedPush, secret: string): { timestamp: number; secretIndex: number };
  close(): Promise<void>;
}

export async function startPushReceiver(): Promise<PushReceiver> {
  const receiver: PushReceiver = {
    url: '',
    pushes: [],
    answer: () => ({ status: 200, body: '{"ok":true}' }),
    eventTypes: () => receiver.pushes.map((p) => p.event.type),
    verify: (push, secret) => verifyPushSignature({ rawBody: push.rawBody, signatureHeader: push.headers['x-incident-io-signature'] as string | undefined, secrets: [secret] }),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let event: PushEvent;
      try {
        event = JSON.parse(rawBody.toString('utf8')) as PushEvent;
      } catch {
        event = {} as PushEvent;
      }
      const push: ReceivedPush = { at: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, event };
      receiver.pushes.push(push);
      const answer = receiver.answer(push);
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/servicenow/test`;
  return receiver;
}
