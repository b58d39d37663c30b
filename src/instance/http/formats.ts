import type { FastifyReply, FastifyRequest } from 'fastify';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { InvalidRequestError, NotAcceptableError, UnsupportedMediaTypeError } from '../errors';
import { BAD_REQUEST_BODY } from './errors';

/**
 * Request and response formats of the platform's REST APIs (Table, Aggregate): bodies in JSON or
 * XML, answers in the format the Accept header asks for. Anything else is refused with 415 / 406,
 * as the REST API documentation's status code list says, so a client that forgets its
 * Content-Type fails here as it would on an instance.
 */
export type BodyFormat = 'json' | 'xml';

const JSON_TYPES = new Set(['application/json']);
const XML_TYPES = new Set(['application/xml', 'text/xml']);

function mediaType(header: string): string {
  return header.split(';')[0].trim().toLowerCase();
}

/** Custom types with a json or xml subtype (`application/vnd.x+json`) count as JSON or XML. */
function formatOfMediaType(type: string): BodyFormat | null {
  if (JSON_TYPES.has(type) || type.endsWith('+json')) return 'json';
  if (XML_TYPES.has(type) || type.endsWith('+xml')) return 'xml';
  return null;
}

/** The format of a request body; 415 for any other Content-Type (an empty body needs none). */
export function requestBodyFormat(request: FastifyRequest): BodyFormat {
  const header = request.headers['content-type'];
  const format = header ? formatOfMediaType(mediaType(header)) : null;
  if (format) return format;
  if (rawBody(request).trim() === '' && !header) return 'json';
  throw new UnsupportedMediaTypeError(header ?? '');
}

/**
 * The answer's format from the Accept header: JSON unless XML ranks higher; 406 when the header
 * names neither (nor a wildcard that covers them).
 */
export function responseFormat(request: FastifyRequest): BodyFormat {
  const header = request.headers.accept;
  if (!header || header.trim() === '') return 'json';
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part.split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.type !== '' && !(r.q <= 0))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    if (range.type === '*/*' || range.type === 'application/*') return 'json';
    if (range.type === 'text/*') return 'xml';
    const format = formatOfMediaType(range.type);
    if (format) return format;
  }
  throw new NotAcceptableError(header);
}

function rawBody(request: FastifyRequest): string {
  const body = request.body;
  return Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
}

const xmlParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, processEntities: true });

/**
 * A record from a request body. JSON: an object, or an array whose first record is used (the
 * platform processes only the first). XML: `<request><entry><field>value</field>…</entry></request>`
 * (the REST API Explorer's shape) or any root element whose children are the fields.
 */
export function recordBody(request: FastifyRequest): Record<string, unknown> {
  const format = requestBodyFormat(request);
  const text = rawBody(request);
  if (text.trim() === '') return {};
  return format === 'xml' ? xmlRecord(text) : jsonRecord(text);
}

/** A JSON object body of the emulator's own endpoints (faults, jobs): {} when empty, 400 otherwise. */
export function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const text = rawBody(request);
  return text.trim() === '' ? {} : jsonRecord(text);
}

function jsonRecord(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError(BAD_REQUEST_BODY, `Cannot decode: ${(err as Error).message}`);
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) throw new InvalidRequestError(BAD_REQUEST_BODY, 'The request body is an empty JSON array; send one record as a JSON object');
    parsed = parsed[0];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidRequestError(BAD_REQUEST_BODY, 'The request body must be a JSON object (one record per call)');
  }
  return parsed as Record<string, unknown>;
}

function xmlRecord(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = xmlParser.parse(text, true);
  } catch (err) {
    throw new InvalidRequestError(BAD_REQUEST_BODY, `Cannot decode XML: ${(err as Error).message}`);
  }
  const roots = Object.entries((doc ?? {}) as Record<string, unknown>).filter(([name]) => name !== '?xml');
  if (roots.length !== 1 || typeof roots[0][1] !== 'object' || roots[0][1] === null) {
    throw new InvalidRequestError(BAD_REQUEST_BODY, 'The XML body must be one element holding the fields, e.g. <request><entry><short_description>…</short_description></entry></request>');
  }
  let fields = roots[0][1] as Record<string, unknown>;
  if (Object.keys(fields).length === 1 && typeof fields.entry === 'object' && fields.entry !== null) {
    const entry = fields.entry;
    fields = (Array.isArray(entry) ? entry[0] : entry) as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = typeof value === 'object' && value !== null ? '' : String(value);
  }
  return out;
}

const xmlBuilder = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false, processEntities: true, format: false });

function toXmlTree(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(toXmlTree);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toXmlTree(v)]));
  return String(value);
}

/**
 * A JSON answer as the platform writes it in XML: `<response>` holding the JSON's top-level keys,
 * one `<result>` element per record of a list, objects as nested elements.
 */
export function jsonToXml(body: unknown): string {
  const tree = toXmlTree(body);
  return `<?xml version="1.0" encoding="UTF-8"?>${xmlBuilder.build({ response: tree }) as string}`;
}

/**
 * Sends answers of a route in the format asked for: registered as an onSend hook, it rewrites a JSON
 * payload into XML when the request asked for XML (errors included).
 */
export async function sendInRequestedFormat(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (request.wantsXml !== true || typeof payload !== 'string' || payload === '') return payload;
  const type = String(reply.getHeader('content-type') ?? '');
  if (!type.startsWith('application/json')) return payload;
  reply.header('content-type', 'application/xml;charset=UTF-8');
  return jsonToXml(JSON.parse(payload));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by routes that answer in XML when asked (`Accept: application/xml`). */
    wantsXml?: boolean;
  }
}
