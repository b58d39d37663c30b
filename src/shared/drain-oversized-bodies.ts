import { Transform, type Readable } from 'node:stream';
import { errorCodes, type FastifyInstance } from 'fastify';

/**
 * A body over a route's limit is answered only once it has been read (and thrown away), so the
 * client always gets the answer. Fastify answers such a request at once, with `Connection: close`,
 * while the client is still sending; node then closes the socket with the rest of the body unread,
 * the kernel answers the bytes still arriving with a reset, and the client sees EPIPE or
 * ECONNRESET instead of the answer (measured: about half of 5-30 MiB posts from another process).
 * Here a body that declares a length over the limit is read to its end before the error is
 * raised, and a chunked one is counted and, past the limit, read to its end without being kept.
 * Past `drainCapBytes` reading stops and the connection is closed, as before: nobody sends that
 * much to these endpoints except to tie the server up.
 */

export const DEFAULT_DRAIN_CAP_BYTES = 64 * 1024 * 1024;

const tooLarge = (): Error => new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();

/** Reads a stream to its end (or to `cap` bytes), keeping nothing; true when it ended within the cap. */
function discard(stream: Readable, cap: number): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ended: boolean): void => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onFailed);
      stream.removeListener('close', onFailed);
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > cap) {
        stream.pause();
        finish(false);
      }
    };
    const onEnd = (): void => finish(true);
    const onFailed = (): void => finish(false);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onFailed);
    stream.once('close', onFailed);
  });
}

/** Passes a chunked body on up to `limit` bytes; past it keeps reading without passing, then fails with 413. */
function limited(payload: Readable, limit: number, cap: number): Transform {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > cap) return callback(tooLarge());
      return seen <= limit ? callback(null, chunk) : callback();
    },
    flush(callback) {
      callback(seen > limit ? tooLarge() : null);
    },
  });
  payload.on('error', (err) => counter.destroy(err));
  return payload.pipe(counter);
}

/** Adds the hook to a server (before its routes are registered, so every route has it). */
export function drainOversizedBodies(app: FastifyInstance, options: { drainCapBytes?: number } = {}): void {
  const cap = options.drainCapBytes ?? DEFAULT_DRAIN_CAP_BYTES;
  // A callback hook, not an async one: every request passes here, and nearly all go on at once.
  app.addHook('preParsing', (request, reply, payload, done) => {
    // Multipart uploads are read by their own parser, with their own limits.
    if (String(request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/')) return done(null, payload);
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024;
    const declared = request.headers['content-length'];
    if (declared !== undefined) {
      if (!(Number(declared) > limit)) return done(null, payload);
      void discard(payload, cap).then((ended) => {
        if (!ended) reply.header('connection', 'close');
        done(tooLarge());
      });
      return undefined;
    }
    if (request.headers['transfer-encoding'] === undefined) return done(null, payload);
    return done(null, limited(payload, limit, cap));
  });
}
