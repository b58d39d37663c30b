import crypto from 'node:crypto';
import { signPush } from '../../src/server/lib/signature';

/** What (Glide)CertificateEncryption.generateMac(base64Key, 'HmacSHA256', data) computes on an instance. */
export function generateMac(base64Key: string, data: string): string {
  return crypto.createHmac('sha256', Buffer.from(base64Key, 'base64')).update(data, 'utf8').digest('base64');
}

/** Signs a body the way the app does: the X-Incident-Io-Signature header value. */
export function signBody(secretBase64: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  return signPush(generateMac, secretBase64, timestampSeconds, body);
}

export function newSigningSecret(): string {
  return crypto.randomBytes(32).toString('base64');
}
