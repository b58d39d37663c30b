/**
 * The HTTP client of the conformance cases: plain fetch against any instance, with Basic or Bearer
 * authentication. Nothing here knows whether the instance is the local one or a real one.
 */
export type ConformanceAuth = { user: string; password: string } | { bearer: string };

export interface ConformanceResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
  /** The parsed JSON body (undefined when the body is empty or not JSON). */
  json: unknown;
}

export interface ConformanceRequest {
  /** An object is sent as JSON; a string or Buffer as is (give its Content-Type in headers). */
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
}

export class ConformanceClient {
  readonly baseUrl: string;

  constructor(
    instanceUrl: string,
    private readonly auth: ConformanceAuth,
  ) {
    this.baseUrl = instanceUrl.replace(/\/+$/, '');
  }

  authorization(): string {
    if ('bearer' in this.auth) return `Bearer ${this.auth.bearer}`;
    return `Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}`;
  }

  async request(method: string, path: string, options: ConformanceRequest = {}): Promise<ConformanceResponse> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', authorization: this.authorization(), ...lowerKeys(options.headers ?? {}) };
    let body: string | Buffer | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url, { method, headers, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, body: bytes, text, json };
  }
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
