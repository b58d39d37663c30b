import crypto from 'node:crypto';
import { HEADER } from '../../server/contract/push-event';
import { WebhookVerificationError } from './verification-error';

/** Pushes whose timestamp is further than this from our clock are refused (replay protection). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface ParsedSignature {
  timestamp: number;
  /** Every v1 signature in the header (a sender may sign with several secrets while rotating). */
  signatures: Buffer[];
}

/** Parses `t=<unix seconds>,v1=<base64>[,v1=<base64>…]`; unknown schemes are ignored. */
export function parseSignatureHeader(header: string): ParsedSignature {
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) signatures.push(Buffer.from(value, 'base64'));
  }
  if (timestamp === null || signatures.length === 0) {
    throw new WebhookVerificationError(
      'malformed_signature',
      `${HEADER.signature} must look like t=<unix seconds>,v1=<base64 HMAC-SHA256>`,
      header.slice(0, 200),
    );
  }
  return { timestamp, signatures };
}

/**
 * HMAC keys by their base64 secret, decoded once: decoding and importing the key took about half
 * of each push's HMAC. A handful of entries (a connection's current and previous secret); emptied
 * when it grows past that, so a secret rotated away is not kept for long.
 */
const hmacKeys = new Map<string, crypto.KeyObject>();
const MAX_CACHED_KEYS = 16;

function hmacKey(secret: string): crypto.KeyObject {
  let key = hmacKeys.get(secret);
  if (!key) {
    if (hmacKeys.size >= MAX_CACHED_KEYS) hmacKeys.clear();
    key = crypto.createSecretKey(Buffer.from(secret, 'base64'));
    hmacKeys.set(secret, key);
  }
  return key;
}

export interface VerifyOptions {
  /** The request body exactly as received, before any parsing. */
  rawBody: Buffer;
  signatureHeader: string | undefined;
  /** Base64 signing secrets accepted: the current one first, then the previous one during a rotation. */
  secrets: string[];
  nowSeconds?: number;
  toleranceSeconds?: number;
}

/**
 * Verifies a push from the x_incident_io app: HMAC-SHA256 keyed with the base64-decoded secret
 * over "<t>.<raw body>", compared in constant time, with a timestamp tolerance. Returns the index
 * of the secret that matched; throws WebhookVerificationError otherwise.
 */
export function verifyPushSignature(options: VerifyOptions): { timestamp: number; secretIndex: number } {
  const secrets = options.secrets.filter((s) => s.length > 0);
  if (secrets.length === 0) {
    throw new WebhookVerificationError('no_secret', 'this connection has no signing secret configured: run incident-sn connect again');
  }
  const header = options.signatureHeader;
  if (!header) {
    throw new WebhookVerificationError('missing_signature', `the ${HEADER.signature} header is missing`);
  }
  const parsed = parseSignatureHeader(header);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - parsed.timestamp) > tolerance) {
    throw new WebhookVerificationError(
      'stale_timestamp',
      `the signature timestamp is ${Math.abs(now - parsed.timestamp)}s from this server's clock (more than ${tolerance}s): a replay, or a clock out of sync`,
      header.slice(0, 200),
    );
  }
  const prefix = `${parsed.timestamp}.`;
  for (let index = 0; index < secrets.length; index++) {
    const expected = crypto.createHmac('sha256', hmacKey(secrets[index]!)).update(prefix, 'latin1').update(options.rawBody).digest();
    for (const signature of parsed.signatures) {
      if (signature.length === expected.length && crypto.timingSafeEqual(signature, expected)) {
        return { timestamp: parsed.timestamp, secretIndex: index };
      }
    }
  }
  throw new WebhookVerificationError('signature_mismatch', 'the signature does not match the body with any accepted secret', header.slice(0, 200));
}
