import { workerData, type MessagePort } from 'node:worker_threads';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { tracePoint } from '../../../shared/latency-trace';

/**
 * The outbound HTTP helper thread: sync-http.ts starts a worker on this file (see
 * src/shared/module-worker.ts), so it is compiled like every other module and runs when loaded.
 *
 * Protocol: it receives `{ port, signal }` as workerData. Each request message on `port` is
 * `{ id, url, method, headers, body, timeoutMs }`; it answers on the same port with `{ id, status,
 * headers, body, error, errorCode, durationMs }`, then bumps `signal[0]` and notifies, which wakes
 * the script thread blocked in Atomics.wait.
 */

const port = workerData.port as MessagePort;
const signal = new Int32Array(workerData.signal as SharedArrayBuffer);

interface Request {
  id: number;
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body: string | null;
  timeoutMs: number;
}

function answer(message: Record<string, unknown>): void {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function describe(err: unknown, timedOut: boolean): { error: string; errorCode: number } {
  if (timedOut) return { error: 'Read timed out', errorCode: 1 };
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  const code = cause?.code ?? (err as { code?: string } | null)?.code ?? '';
  if (code === 'ECONNREFUSED') return { error: 'Connection refused', errorCode: 1 };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { error: 'Unknown host', errorCode: 1 };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return { error: 'Connection reset', errorCode: 1 };
  const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return { error: message || 'Request failed', errorCode: 1 };
}

type Settle = (err: Error | null, status: number, headers: Array<[string, string]>, body: string) => void;

/**
 * One request on undici's global dispatcher with a plain handler: `request()` + `body.text()` built a
 * response stream per call and cost about twice the time (docs/benchmarks.md). It gives back what
 * they gave: 1xx skipped, lower-cased names with repeated headers together, UTF-8 without a BOM; an
 * abort before the connection is kept until undici hands over its abort function, as theirs was.
 */
function dispatch(request: Request, method: string, settle: Settle): (reason: Error) => void {
  let abortRequest: ((reason: Error) => void) | null = null;
  let abortReason: Error | null = null;
  let status = 0;
  let headers: Array<[string, string]> = [];
  const chunks: Buffer[] = [];
  let length = 0;
  const handler: Dispatcher.DispatchHandler = {
    onConnect(abort: (reason?: Error) => void) {
      if (abortReason) abort(abortReason);
      else abortRequest = abort;
    },
    onHeaders(statusCode: number, rawHeaders: Buffer[]) {
      if (statusCode < 200) return true;
      tracePoint('h.response.headers');
      status = statusCode;
      headers = headerPairs(rawHeaders);
      return true;
    },
    onData(chunk: Buffer) {
      chunks.push(chunk);
      length += chunk.length;
      return true;
    },
    onComplete() {
      settle(null, status, headers, utf8WithoutBom(chunks, length));
    },
    onError(err: Error) {
      settle(err, 0, [], '');
    },
  };
  try {
    const url = new URL(request.url);
    getGlobalDispatcher().dispatch(
      {
        origin: url.origin,
        path: url.search ? `${url.pathname}${url.search}` : url.pathname,
        method: method as Dispatcher.HttpMethod,
        headers: request.headers.flat(),
        body: method === 'GET' || method === 'HEAD' ? null : request.body,
      },
      handler,
    );
  } catch (err) {
    settle(err instanceof Error ? err : new Error(String(err)), 0, [], '');
  }
  return (reason) => {
    abortReason ??= reason;
    abortRequest?.(reason);
  };
}

/** Raw header lines as `request()` reported them: names in lower case, a repeated header's values together where it first appeared. */
function headerPairs(rawHeaders: Buffer[]): Array<[string, string]> {
  const byName = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toString('latin1').toLowerCase();
    const value = rawHeaders[i + 1]!.toString('latin1');
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  const pairs: Array<[string, string]> = [];
  for (const [name, values] of byName) for (const value of values) pairs.push([name, value]);
  return pairs;
}

function utf8WithoutBom(chunks: Buffer[], length: number): string {
  if (length === 0) return '';
  const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

port.on('message', (request: Request) => {
  tracePoint('h.request.received');
  const started = Date.now();
  let timedOut = false;
  let settled = false;
  let abort: ((reason: Error) => void) | null = null;
  const timer = setTimeout(() => {
    timedOut = true;
    abort?.(new Error('Request timed out'));
  }, Math.max(1, request.timeoutMs));
  // Not fetch (its streams and Request objects) nor request() (its response stream): see dispatch.
  abort = dispatch(request, request.method.toUpperCase(), (err, status, headers, body) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (err) {
      answer({ id: request.id, status: 0, headers: [], body: '', ...describe(err, timedOut), durationMs: Date.now() - started });
      return;
    }
    tracePoint('h.answered');
    answer({ id: request.id, status, headers, body, error: null, errorCode: 0, durationMs: Date.now() - started });
  });
  tracePoint('h.request.dispatched');
});
