import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { GroupCommitLog } from '../lib/group-commit-log';
import { servePart } from '../lib/part';

/**
 * The references, in their own process: a bare node:http server that answers at once (the loopback
 * floor), a bare fastify endpoint on the companion's stack that reads the body and does nothing
 * else (the webhook's floor), and, when given a file, the same endpoint doing the durable part only:
 * it appends each body to the file and answers after an fdatasync that covers it (the durable
 * floor: what the companion's fsync'd commit costs, without the companion).
 */

let durableLog: GroupCommitLog | null = null;

servePart({
  async start(options: { durableFile?: string } = {}) {
    const floor = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
    const endpoint = async (durable: GroupCommitLog | null) => {
      const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
      app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, raw, done) => done(null, raw));
      app.post('/webhooks/servicenow/:connection', async (req, reply) => {
        if (durable) await durable.append(req.body as Buffer);
        return reply.code(200).send({ status: 'stored', event_id: 'bare' });
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    };
    const bareUrl = await endpoint(null);
    if (options.durableFile) durableLog = new GroupCommitLog(await fs.open(options.durableFile, 'a'));
    return {
      floorUrl: `http://127.0.0.1:${(floor.address() as AddressInfo).port}/`,
      bareUrl,
      ...(durableLog ? { durableUrl: await endpoint(durableLog) } : {}),
    };
  },

  /** The durable floor's fdatasync calls and the bodies they covered so far. */
  async durableStats() {
    return durableLog ? { ...durableLog.stats } : null;
  },

  /** This process's CPU time so far, microseconds: the bare endpoint's CPU per request, beside the companion's per push. */
  async cpuUsage() {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
});
