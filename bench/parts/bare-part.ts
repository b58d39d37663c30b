import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { servePart } from '../lib/part';

/**
 * The references, in their own process: a bare node:http server that answers at once (the loopback
 * floor), and a bare fastify endpoint on the companion's stack that reads the body and does nothing
 * else (the webhook's floor).
 */

servePart({
  async start() {
    const floor = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
    const bare = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    bare.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, raw, done) => done(null, raw));
    bare.post('/webhooks/servicenow/:connection', async (_req, reply) => reply.code(200).send({ status: 'stored', event_id: 'bare' }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    return {
      floorUrl: `http://127.0.0.1:${(floor.address() as AddressInfo).port}/`,
      bareUrl: `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`,
    };
  },

  /** This process's CPU time so far, microseconds: the bare endpoint's CPU per request, beside the companion's per push. */
  async cpuUsage() {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
});
