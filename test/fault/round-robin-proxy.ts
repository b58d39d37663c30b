import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A load balancer in front of companion replicas, as small as one can be: each request goes to the
 * next replica in turn; a replica that refuses the connection (killed, restarting) is passed over
 * for the next one, since it cannot have seen the request. A replica that dies mid-answer gives a
 * 502, which the app's outbox retries like any 5xx.
 */

export interface RoundRobinProxy {
  url: string;
  port: number;
  /** Requests answered, by upstream port. */
  served: Map<number, number>;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(upstreamPorts: number[]): Promise<RoundRobinProxy> {
  let next = 0;
  const served = new Map<number, number>(upstreamPorts.map((p) => [p, 0]));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number): void => {
        const port = upstreamPorts[next++ % upstreamPorts.length]!;
        // A new connection each time (agent false): a pooled one may belong to a replica killed since.
        const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
          served.set(port, (served.get(port) ?? 0) + 1);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('error', () => res.destroy());
        });
        upstream.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ECONNREFUSED' && tries < upstreamPorts.length * 2) return attempt(tries + 1);
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"code":"bad_gateway"}}');
          else res.destroy();
        });
        upstream.end(body);
      };
      attempt(1);
    });
  });
  // Far longer than undici's client keep-alive (4 s, on a timer that runs late on a loaded machine):
  // the client always closes an idle connection first, never reusing one the proxy is closing.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
