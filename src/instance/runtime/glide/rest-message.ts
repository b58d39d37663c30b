import { IncidentSnError } from '../../../shared/errors';
import { readOutboundFaults } from '../../http/faults';
import { blockFor, timeoutResponse, type OutboundRequest, type OutboundResponse } from '../outbound/sync-http';
import type { GlideHost } from './host';
import { UnsupportedGlideApiError, withUnsupportedMembers } from './unsupported';

/**
 * sn_ws.RESTMessageV2 and RESTResponseV2 making real HTTP calls. execute() blocks the script until
 * the answer (or the timeout); executeAsync() sends at once and waitForResponse() / any getter blocks.
 * The instance's outbound fault settings (PUT /api/now/local/faults `outbound`) make a share of calls
 * fail as if the connection were refused, or time out after the request's timeout.
 *
 * Unverified details, chosen from public documentation and kept in one place:
 * - timeout when setHttpTimeout() is not called: 60 s (DEFAULT_TIMEOUT_MS);
 * - waitForResponse() waits at most glide.http.outbound.max_timeout seconds (default 30);
 * - an HTTP status ≥ 400 sets haveError() with getErrorMessage() "Method failed: (<path>) with code: <status>";
 * - no HTTP answer: getStatusCode() 0, haveError() true, getErrorCode() 1, a short message; execute() does not throw.
 */

export const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_ASYNC_WAIT_SECONDS = 30;

export class RESTResponseV2Impl {
  private response: OutboundResponse | null;

  constructor(
    private readonly resolve: (waitMs: number) => OutboundResponse,
    private readonly path: string,
    private readonly defaultWaitMs: number,
    response: OutboundResponse | null = null,
  ) {
    this.response = response;
  }

  private settled(waitMs = this.defaultWaitMs): OutboundResponse {
    this.response ??= this.resolve(waitMs);
    return this.response;
  }

  waitForResponse(timeoutSeconds?: number): void {
    const seconds = Number(timeoutSeconds);
    this.settled(Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, this.defaultWaitMs) : this.defaultWaitMs);
  }
  getStatusCode(): number {
    return this.settled().status;
  }
  getBody(): string {
    return this.settled().body;
  }
  getHeader(name: unknown): string | null {
    const wanted = String(name ?? '').toLowerCase();
    const found = this.settled().headers.filter(([n]) => n.toLowerCase() === wanted);
    return found.length > 0 ? found.map(([, v]) => v).join(', ') : null;
  }
  getHeaders(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of this.settled().headers) out[name] = out[name] !== undefined ? `${out[name]}, ${value}` : value;
    return out;
  }
  getAllHeaders(): Array<{ name: string; value: string }> {
    return this.settled().headers.map(([name, value]) => ({ name, value }));
  }
  haveError(): boolean {
    const r = this.settled();
    return r.error !== null || r.status >= 400;
  }
  getErrorCode(): number {
    const r = this.settled();
    if (r.error !== null) return r.errorCode;
    return r.status >= 400 ? r.status : 0;
  }
  getErrorMessage(): string | null {
    const r = this.settled();
    if (r.error !== null) return r.error;
    return r.status >= 400 ? `Method failed: (${this.path}) with code: ${r.status}` : null;
  }
  getQueryString(): string {
    return '';
  }
  getCookies(): string[] {
    return this.settled()
      .headers.filter(([n]) => n.toLowerCase() === 'set-cookie')
      .map(([, v]) => v);
  }
}

export class RESTMessageV2Impl {
  private endpoint = '';
  private method = 'get';
  private timeoutMs = DEFAULT_TIMEOUT_MS;
  private readonly headers: Array<[string, string]> = [];
  private readonly query: Array<[string, string]> = [];
  private readonly parameters = new Map<string, string>();
  private body: string | null = null;

  constructor(
    private readonly host: GlideHost,
    name?: unknown,
    method?: unknown,
  ) {
    if (name !== undefined && name !== null && String(name) !== '') {
      throw new UnsupportedGlideApiError(`new sn_ws.RESTMessageV2('${String(name)}', …) with a REST message record (sys_rest_message)`);
    }
    if (method !== undefined && method !== null) this.method = String(method);
  }

  setEndpoint(endpoint: unknown): void {
    this.endpoint = String(endpoint ?? '');
  }
  getEndpoint(): string {
    return this.resolvedUrl();
  }
  setHttpMethod(method: unknown): void {
    this.method = String(method ?? 'get');
  }
  setHttpTimeout(timeoutMs: unknown): void {
    const ms = Number(timeoutMs);
    if (Number.isFinite(ms) && ms > 0) this.timeoutMs = ms;
  }
  setRequestHeader(name: unknown, value: unknown): void {
    const key = String(name ?? '');
    const index = this.headers.findIndex(([n]) => n.toLowerCase() === key.toLowerCase());
    if (index >= 0) this.headers.splice(index, 1);
    this.headers.push([key, String(value ?? '')]);
  }
  getRequestHeader(name: unknown): string {
    const key = String(name ?? '').toLowerCase();
    return this.headers.find(([n]) => n.toLowerCase() === key)?.[1] ?? '';
  }
  getRequestHeaders(): Record<string, string> {
    return Object.fromEntries(this.headers);
  }
  setRequestBody(body: unknown): void {
    this.body = body === undefined || body === null ? null : String(body);
  }
  getRequestBody(): string {
    return this.substitute(this.body ?? '');
  }
  setQueryParameter(name: unknown, value: unknown): void {
    this.query.push([String(name ?? ''), String(value ?? '')]);
  }
  setStringParameter(name: unknown, value: unknown): void {
    this.parameters.set(String(name ?? ''), escapeXml(String(value ?? '')));
  }
  setStringParameterNoEscape(name: unknown, value: unknown): void {
    this.parameters.set(String(name ?? ''), String(value ?? ''));
  }
  setBasicAuth(user: unknown, password: unknown): void {
    this.setRequestHeader('Authorization', `Basic ${Buffer.from(`${String(user ?? '')}:${String(password ?? '')}`).toString('base64')}`);
  }
  setLogLevel(_level: unknown): void {}

  private substitute(text: string): string {
    return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => this.parameters.get(name) ?? whole);
  }

  private resolvedUrl(): string {
    const base = this.substitute(this.endpoint);
    if (this.query.length === 0) return base;
    const url = new URL(base);
    for (const [name, value] of this.query) url.searchParams.append(name, value);
    return url.toString();
  }

  private request(): OutboundRequest {
    return { url: this.resolvedUrl(), method: this.method, headers: [...this.headers], body: this.body === null ? null : this.substitute(this.body), timeoutMs: this.timeoutMs };
  }

  private pathOf(url: string): string {
    try {
      return new URL(url).pathname;
    } catch {
      return url;
    }
  }

  /** A fault drawn from the instance's outbound settings, or null to really call. */
  private injectedFault(): 'fail' | 'timeout' | null {
    const { failRate, timeoutRate } = readOutboundFaults(this.host.engine);
    if (failRate > 0 && Math.random() < failRate) return 'fail';
    if (timeoutRate > 0 && Math.random() < timeoutRate) return 'timeout';
    return null;
  }

  private invalid(request: OutboundRequest): OutboundResponse | null {
    try {
      const url = new URL(request.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new IncidentSnError('unsupported protocol', { code: 'rest_message_protocol_unsupported' });
      return null;
    } catch {
      return { status: 0, headers: [], body: '', error: `Invalid endpoint URL: ${request.url}`, errorCode: 1, durationMs: 0 };
    }
  }

  execute(): RESTResponseV2Impl {
    const request = this.request();
    const started = Date.now();
    let response = this.invalid(request);
    if (!response) {
      const fault = this.injectedFault();
      if (fault === 'fail') response = { status: 0, headers: [], body: '', error: 'Connection refused (injected outbound fault)', errorCode: 1, durationMs: 0 };
      else if (fault === 'timeout') {
        blockFor(request.timeoutMs);
        response = timeoutResponse(Date.now() - started, 'Read timed out (injected outbound fault)');
      } else response = this.host.http().request(request);
    }
    const done = response;
    return withUnsupportedMembers(new RESTResponseV2Impl(() => done, this.pathOf(request.url), 0, done), 'RESTResponseV2');
  }

  executeAsync(): RESTResponseV2Impl {
    const request = this.request();
    const started = Date.now();
    const maxWaitSeconds = Number(this.host.engine.getProperty('glide.http.outbound.max_timeout', String(DEFAULT_MAX_ASYNC_WAIT_SECONDS)));
    const maxWaitMs = (Number.isFinite(maxWaitSeconds) && maxWaitSeconds > 0 ? maxWaitSeconds : DEFAULT_MAX_ASYNC_WAIT_SECONDS) * 1000;
    const invalid = this.invalid(request);
    const fault = invalid ? null : this.injectedFault();
    let resolve: (waitMs: number) => OutboundResponse;
    if (invalid) resolve = () => invalid;
    else if (fault === 'fail') resolve = () => ({ status: 0, headers: [], body: '', error: 'Connection refused (injected outbound fault)', errorCode: 1, durationMs: 0 });
    else if (fault === 'timeout') {
      resolve = (waitMs) => {
        blockFor(Math.min(waitMs, request.timeoutMs) - (Date.now() - started));
        return timeoutResponse(Date.now() - started, 'Read timed out (injected outbound fault)');
      };
    } else {
      const client = this.host.http();
      const id = client.send(request);
      resolve = (waitMs) => client.wait(id, Math.max(0, waitMs - (Date.now() - started))) ?? timeoutResponse(Date.now() - started, 'No response within the wait time');
    }
    return withUnsupportedMembers(new RESTResponseV2Impl(resolve, this.pathOf(request.url), maxWaitMs), 'RESTResponseV2');
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function restMessageClasses(host: GlideHost): { RESTMessageV2: unknown; RESTResponseV2: unknown } {
  function RESTMessageV2(name?: unknown, method?: unknown): RESTMessageV2Impl {
    return withUnsupportedMembers(new RESTMessageV2Impl(host, name, method), 'sn_ws.RESTMessageV2');
  }
  RESTMessageV2.prototype = RESTMessageV2Impl.prototype;
  function RESTResponseV2(): never {
    throw new UnsupportedGlideApiError('new sn_ws.RESTResponseV2()');
  }
  RESTResponseV2.prototype = RESTResponseV2Impl.prototype;
  return { RESTMessageV2, RESTResponseV2 };
}
