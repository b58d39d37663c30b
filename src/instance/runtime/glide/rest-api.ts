import { ServiceErrorImpl } from './service-error';
import { UnsupportedGlideApiError, withUnsupportedMembers } from './unsupported';

/**
 * sn_ws_int.RESTAPIRequest / RESTAPIResponse: the `request` and `response` of a scripted REST
 * operation. The server builds the request from the HTTP call and turns what the script did to the
 * response into the HTTP answer.
 */

export interface IncomingCall {
  method: string;
  url: string;
  uri: string;
  queryString: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  query: Record<string, string[]>;
  pathParams: Record<string, string>;
  body: string;
  contentType: string;
}

/**
 * The request body. The platform reads it from a stream consumed once: "if calling both data and
 * dataString, the second call will return empty" (RESTAPIRequestBody, API reference). So here too:
 * once `data` was read, `dataString` is '' and once `dataString` was read, `data` is undefined.
 */
export class RESTAPIRequestBodyImpl {
  private parsed: { ok: true; value: unknown } | { ok: false; error: Error } | null = null;
  private cursor = 0;
  private consumedAs: 'data' | 'dataString' | null = null;

  constructor(
    private readonly raw: string,
    private readonly contentType: string,
  ) {}

  /** The body as text ('' once `data` was read). */
  get dataString(): string {
    if (this.consumedAs === 'data') return '';
    this.consumedAs = 'dataString';
    return this.raw;
  }

  /** The parsed JSON body (undefined once `dataString` was read); throws, as on the platform, when the body is not JSON. */
  get data(): unknown {
    if (this.consumedAs === 'dataString') return undefined;
    this.consumedAs = 'data';
    if (!this.parsed) {
      if (this.raw.trim() === '') this.parsed = { ok: true, value: undefined };
      else {
        try {
          this.parsed = { ok: true, value: JSON.parse(this.raw) };
        } catch (err) {
          this.parsed = { ok: false, error: new Error(`The request body is not valid JSON (${this.contentType || 'no content type'}): ${(err as Error).message}`) };
        }
      }
    }
    if (!this.parsed.ok) throw this.parsed.error;
    return this.parsed.value;
  }

  get dataStream(): never {
    throw new UnsupportedGlideApiError('request.body.dataStream');
  }

  hasNext(): boolean {
    const data = this.data;
    return Array.isArray(data) ? this.cursor < data.length : this.cursor === 0 && data !== undefined;
  }

  nextEntry(): unknown {
    const data = this.data;
    if (Array.isArray(data)) return data[this.cursor++];
    this.cursor++;
    return data;
  }
}

export class RESTAPIRequestImpl {
  readonly body: RESTAPIRequestBodyImpl;
  readonly headers: Record<string, string>;
  readonly queryParams: Record<string, string[]>;
  readonly pathParams: Record<string, string>;
  readonly queryString: string;
  readonly uri: string;
  readonly url: string;

  constructor(call: IncomingCall) {
    this.body = withUnsupportedMembers(new RESTAPIRequestBodyImpl(call.body, call.contentType), 'RESTAPIRequestBody');
    this.headers = { ...call.headers };
    this.queryParams = Object.fromEntries(Object.entries(call.query).map(([k, v]) => [k, [...v]]));
    this.pathParams = { ...call.pathParams };
    this.queryString = call.queryString;
    this.uri = call.uri;
    this.url = call.url;
  }

  getHeader(name: unknown): string | null {
    return this.headers[String(name ?? '').toLowerCase()] ?? null;
  }

  getRequestedQueryCategory(): string {
    return this.queryParams.sysparm_query_category?.[0] ?? '';
  }

  getSupportedResponseContentTypes(): string[] {
    return ['application/json'];
  }
}

/** What a script did to the response. */
export interface ResponseState {
  status: number | null;
  body: { set: boolean; value: unknown };
  error: ServiceErrorImpl | null;
  headers: Record<string, string>;
  contentType: string | null;
  streamed: string | null;
}

export class RESTAPIResponseImpl {
  readonly _state: ResponseState = { status: null, body: { set: false, value: undefined }, error: null, headers: {}, contentType: null, streamed: null };

  setStatus(status: unknown): void {
    const n = Number(status);
    if (Number.isInteger(n) && n >= 100 && n <= 599) this._state.status = n;
  }
  setBody(body: unknown): void {
    this._state.body = { set: true, value: body };
  }
  setError(error: unknown): void {
    if (error instanceof ServiceErrorImpl) this._state.error = error;
    else this._state.error = new ServiceErrorImpl().setMessage(error instanceof Error ? error.message : String(error));
  }
  setHeader(name: unknown, value: unknown): void {
    this._state.headers[String(name ?? '')] = String(value ?? '');
  }
  setHeaders(headers: unknown): void {
    if (headers && typeof headers === 'object') for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
  }
  setContentType(type: unknown): void {
    this._state.contentType = String(type ?? '');
  }
  setLocation(location: unknown): void {
    this.setHeader('Location', location);
  }
  getStreamWriter(): object {
    const state = this._state;
    return withUnsupportedMembers(
      {
        writeString(text: unknown) {
          state.streamed = (state.streamed ?? '') + String(text ?? '');
        },
      },
      'RESTAPIResponseStream',
    );
  }
}
