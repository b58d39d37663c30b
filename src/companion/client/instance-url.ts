import { InvalidInstanceAddressError, type InstanceAddressProblem } from './errors';

/** An instance's origin, such as `https://hyper-payments.service-now.com`: scheme and host, no trailing slash. */
export type InstanceUrl = string & { readonly __brand: 'InstanceUrl' };

const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const SERVICE_NOW_HOST = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.service-now\.com\/?$/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is;
// Whitespace, control characters and backslashes: the URL parser would silently drop or rewrite them.
const UNSAFE_CHARACTERS = /[\s\u0000-\u001f\u007f\\]/;

const EXPECTED =
  'Expected a subdomain such as "hyper-payments", a host such as "hyper-payments.service-now.com", or a full URL ' +
  'such as "https://hyper-payments.service-now.com" (or "http://127.0.0.1:8080" for the local instance).';

function refuse(problem: InstanceAddressProblem, reason: string, input: string): never {
  // Never echo credentials someone pasted into the address.
  const masked = input.replace(/\/\/[^/@]*@/, '//…@');
  const shown = masked.length > 100 ? `${masked.slice(0, 100)}…` : masked;
  throw new InvalidInstanceAddressError(
    problem,
    `${JSON.stringify(shown)} is not a ServiceNow instance address: ${reason}. ${EXPECTED}`,
  );
}

function fromSubdomain(subdomain: string, text: string): InstanceUrl {
  const origin = `https://${subdomain.toLowerCase()}.service-now.com`;
  // The label pattern admits "xn--…" labels that are not valid punycode; the URL parser knows.
  let parsed: string;
  try {
    parsed = new URL(origin).origin;
  } catch {
    refuse('invalid_host', 'its host is not valid', text);
  }
  if (parsed !== origin) refuse('invalid_host', 'its host is not valid', text);
  return origin as InstanceUrl;
}

/**
 * Turns what a user types for "instance" into the instance's origin:
 * `hyper-payments`, `hyper-payments.service-now.com` and `https://hyper-payments.service-now.com/`
 * all give `https://hyper-payments.service-now.com`; any other host must be a full http(s) URL with
 * nothing after the host but an optional `/`. Surrounding whitespace is ignored.
 * Throws InvalidInstanceAddressError, and nothing else, for anything else.
 */
export function parseInstanceUrl(input: string): InstanceUrl {
  if (typeof input !== 'string') refuse('not_an_address', 'it is not text', String(input));
  const text = input.trim();
  if (text === '') refuse('empty', 'it is empty', input);
  if (UNSAFE_CHARACTERS.test(text)) {
    refuse('whitespace_or_control_characters', 'it contains spaces, control characters or backslashes', text);
  }
  if (SUBDOMAIN.test(text)) return fromSubdomain(text, text);

  const serviceNowHost = SERVICE_NOW_HOST.exec(text);
  if (serviceNowHost) return fromSubdomain(serviceNowHost[1], text);

  const withScheme = SCHEME.exec(text);
  if (!withScheme) {
    if (/^[^/]*\.service-now\.com\//i.test(text)) {
      refuse('path', 'give only the host, without a path', text);
    }
    if (/[.:]/.test(text)) {
      refuse('missing_scheme', 'a host other than <subdomain>.service-now.com must be a full URL with http:// or https://', text);
    }
    refuse('not_an_address', 'it is neither a subdomain, a host nor a URL', text);
  }

  const scheme = withScheme[1].toLowerCase();
  const rest = withScheme[2];
  if (scheme !== 'https' && scheme !== 'http') refuse('unsupported_scheme', 'only http and https are supported', text);
  if (rest.includes('@')) refuse('credentials', 'it must not contain a username or password', text);
  if (rest.includes('?')) refuse('query', 'it must not have a query string', text);
  if (rest.includes('#')) refuse('fragment', 'it must not have a fragment', text);

  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const afterHost = slash === -1 ? '' : rest.slice(slash);
  if (afterHost !== '' && afterHost !== '/') refuse('path', 'give only the scheme and host, without a path', text);
  if (authority === '') refuse('invalid_host', 'it has no host', text);

  let url: URL;
  try {
    url = new URL(`${scheme}://${authority}/`);
  } catch {
    refuse('invalid_host', 'its host is not valid', text);
  }
  if (url.hostname === '') refuse('invalid_host', 'it has no host', text);
  if (scheme === 'http' && /(^|\.)service-now\.com$/.test(url.hostname)) {
    refuse('plain_http_to_service_now', 'ServiceNow-hosted instances are only served over https', text);
  }
  return `${url.protocol}//${url.host}` as InstanceUrl;
}
