import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { IncidentSnError } from '../../shared/errors';
import {
  ServiceNowConnectionClosedError,
  ServiceNowNetworkError,
  ServiceNowRequestAbortedError,
  ServiceNowResponseTooLargeError,
  ServiceNowTimeoutError,
  type NetworkFailure,
  type RequestTarget,
} from './errors';
import type { InstanceUrl } from './instance-url';
import type { HttpMethod } from './retry-policy';

/**
 * One HTTP exchange with the instance over a keep-alive pool: a deadline per attempt, the
 * caller's AbortSignal, a cap on the body size, and every failure turned into a typed error.
 * It neither retries nor authenticates: the connection does that.
 */

/** Reported after every attempt that got an answer, for metrics such as "ServiceNow API calls by status". */
export interface ResponseEvent {
  method: HttpMethod;
  /** The path without its query string. */
  path: string;
  /** The path with sys_ids replaced by `{sys_id}`, a label with bounded cardinality. */
  route: string;
  status: number;
  durationMs: number;
  /** 1 for the first attempt of a call, 2 for its first retry, … */
  attempt: number;
}

/** Reported after every attempt that got no answer (network error, timeout, cancellation). */
export interface RequestFailedEvent {
  method: HttpMethod;
  path: string;
  route: string;
  /** The thrown error's code, such as `sn_unreachable` or `sn_timeout`. */
  errorCode: string;
  durationMs: number;
  attempt: number;
}

export interface TransportOptions {
  origin: InstanceUrl;
  connectTimeoutMs: number;
  maxConnections: number;
  keepAliveTimeoutMs: number;
  maxResponseBytes: number;
  onResponse?: (event: ResponseEvent) => void;
  onRequestFailed?: (event: RequestFailedEvent) => void;
}

export interface Exchange {
  method: HttpMethod;
  /** Path only; the query goes in `search`. */
  path: string;
  /** Encoded query string, without `?`. */
  search?: string;
  headers: Record<string, string>;
  body?: string;
  /** Deadline for the whole attempt: connecting, the headers and the body. */
  timeoutMs: number;
  signal?: AbortSignal;
  attempt: number;
  /**
   * Read the body as bytes, and stop reading (closing the stream) past this many: a file download,
   * whose size limit is the caller's, not the connection's maxResponseBytes.
   */
  maxBodyBytes?: number;
}

export interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  bodyText: string;
  /** With maxBodyBytes: the bytes read (at most maxBodyBytes), and whether the body went on past them. */
  bodyBytes?: Buffer;
  truncated?: boolean;
}

const SYS_ID_SEGMENT = /\/[0-9a-f]{32}(?=\/|$)/gi;

export function routeOf(path: string): string {
  return path.replace(SYS_ID_SEGMENT, '/{sys_id}');
}

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    // undici's parser error does not always carry its HPE_ code.
    else if ((current as { name?: unknown }).name === 'HTTPParserError') codes.push('HPE_INVALID_RESPONSE');
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function isTlsCode(code: string): boolean {
  return /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)|_CERT/.test(code);
}

function networkFailureOf(code: string): NetworkFailure | undefined {
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ENOTFOUND' || code.startsWith('EAI_')) return 'dns';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || code === 'UND_ERR_SOCKET') {
    return 'connection_reset';
  }
  if (['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'].includes(code)) return 'unreachable';
  if (code.startsWith('HPE_')) return 'protocol';
  if (isTlsCode(code)) return 'tls';
  return undefined;
}

/** Maps what undici or the socket threw to one of our errors. */
export function mapTransportError(target: RequestTarget, err: unknown, connectTimeoutMs: number): Error {
  const codes = errorCodes(err);
  if (codes.includes('UND_ERR_CONNECT_TIMEOUT') || codes.includes('ETIMEDOUT')) {
    return new ServiceNowTimeoutError(target, 'connect', connectTimeoutMs, err);
  }
  if (codes.includes('UND_ERR_CLOSED') || codes.includes('UND_ERR_DESTROYED')) {
    return new ServiceNowConnectionClosedError();
  }
  for (const code of codes) {
    const failure = networkFailureOf(code);
    if (failure) return new ServiceNowNetworkError(target, failure, { systemCode: code, cause: err });
  }
  return new ServiceNowNetworkError(target, 'other', { ...(codes[0] ? { systemCode: codes[0] } : {}), cause: err });
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Reads at most `limit` bytes of a body; past them it stops reading and closes the stream. */
async function readBytes(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      body.destroy();
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    size += chunk.length;
    chunks.push(chunk);
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}

export class HttpTransport {
  private readonly pool: Pool;
  private closed = false;

  constructor(private readonly options: TransportOptions) {
    this.pool = new Pool(options.origin, {
      connections: options.maxConnections,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      connect: { timeout: options.connectTimeoutMs },
    });
  }

  async send(exchange: Exchange): Promise<RawResponse> {
    if (this.closed) throw new ServiceNowConnectionClosedError();
    const target: RequestTarget = { instance: this.options.origin, method: exchange.method, path: exchange.path };
    const callerSignal = exchange.signal;
    if (callerSignal?.aborted) throw new ServiceNowRequestAbortedError(target, callerSignal.reason);

    // One controller for both reasons to stop: the attempt's deadline and the caller's signal.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, exchange.timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const started = performance.now();

    try {
      const response = await this.pool.request({
        method: exchange.method,
        path: exchange.search ? `${exchange.path}?${exchange.search}` : exchange.path,
        headers: exchange.headers,
        body: exchange.body,
        signal: controller.signal,
        // Our own timer bounds the attempt; undici's only need to be no shorter.
        headersTimeout: exchange.timeoutMs,
        bodyTimeout: exchange.timeoutMs,
      });
      let raw: RawResponse;
      if (exchange.maxBodyBytes !== undefined) {
        const read = await readBytes(response.body, exchange.maxBodyBytes);
        raw = {
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          bodyText: response.statusCode >= 300 ? read.bytes.toString('utf8') : '',
          bodyBytes: read.bytes,
          truncated: read.truncated,
        };
      } else {
        const bodyText = await this.readBody(response.body, target);
        raw = { status: response.statusCode, headers: flattenHeaders(response.headers), bodyText };
      }
      this.report('onResponse', {
        method: exchange.method,
        path: exchange.path,
        route: routeOf(exchange.path),
        status: raw.status,
        durationMs: performance.now() - started,
        attempt: exchange.attempt,
      });
      return raw;
    } catch (err) {
      let mapped: Error;
      if (timedOut) mapped = new ServiceNowTimeoutError(target, 'response', exchange.timeoutMs, err);
      else if (callerSignal?.aborted) mapped = new ServiceNowRequestAbortedError(target, callerSignal.reason);
      else if (err instanceof IncidentSnError) mapped = err;
      else mapped = mapTransportError(target, err, this.options.connectTimeoutMs);
      this.report('onRequestFailed', {
        method: exchange.method,
        path: exchange.path,
        route: routeOf(exchange.path),
        errorCode: mapped instanceof IncidentSnError ? mapped.code : 'unknown',
        durationMs: performance.now() - started,
        attempt: exchange.attempt,
      });
      throw mapped;
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /**
   * Resolves once every request handed to the HTTP client has been written to its socket, or after
   * `maxTurns` turns of the event loop (a connection still being opened). A request does not leave
   * when it is sent: our own promise steps come first, and undici writes to a reused keep-alive
   * socket only on a later turn, after checking the socket. A caller about to block the thread with
   * synchronous work (the catalog import's SQLite) waits for this, so the instance works on the
   * request meanwhile instead of after.
   */
  async requestsWritten(maxTurns = 16): Promise<void> {
    for (let turn = 0; turn < maxTurns; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.closed || this.pool.stats.pending === 0) return;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  private async readBody(body: AsyncIterable<Buffer> & { destroy(): unknown }, target: RequestTarget): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.options.maxResponseBytes) {
        body.destroy();
        throw new ServiceNowResponseTooLargeError(target, this.options.maxResponseBytes);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private report(hook: 'onResponse', event: ResponseEvent): void;
  private report(hook: 'onRequestFailed', event: RequestFailedEvent): void;
  private report(hook: 'onResponse' | 'onRequestFailed', event: ResponseEvent | RequestFailedEvent): void {
    const listener = this.options[hook] as ((e: typeof event) => void) | undefined;
    try {
      listener?.(event);
    } catch {
      // A failing metrics hook must never fail the call it observes.
    }
  }
}
