import { IncidentSnError } from '../../../shared/errors';
import { createHash, createHmac } from 'node:crypto';
import { escapeQueryValue } from '../../query';
import { isSysId } from '../../records/values';
import type { GlideHost } from './host';
import { withUnsupportedMembers } from './unsupported';

/**
 * CertificateEncryption (scoped) and GlideCertificateEncryption (global) for MACs, GlideDigest
 * (hashes) and GlideStringUtil (string helpers).
 *
 * generateMac(key, algorithm, data), as the API reference documents both classes: the key is
 * base64-encoded (its decoded bytes key the HMAC), the algorithm a Java name (HmacSHA256, …), the
 * data a string (UTF-8 here: the reference does not name the charset), the MAC base64. The
 * reference tells scoped applications to use CertificateEncryption: GlideCertificateEncryption in a
 * scoped script fails here.
 */

const MAC_ALGORITHMS: Readonly<Record<string, string>> = {
  hmacsha256: 'sha256',
  hmacsha1: 'sha1',
  hmacsha384: 'sha384',
  hmacsha512: 'sha512',
  hmacmd5: 'md5',
};

export class GlideCertificateEncryptionImpl {
  /** The MAC of `data` keyed with the base64-decoded `base64Key`, in base64. */
  generateMac(base64Key: unknown, algorithm: unknown, data: unknown): string {
    const digest = MAC_ALGORITHMS[String(algorithm ?? '').toLowerCase()];
    if (!digest) throw new IncidentSnError(`generateMac: unknown algorithm ${String(algorithm)} (HmacSHA256, HmacSHA1, HmacSHA384, HmacSHA512, HmacMD5)`, { code: 'glide_crypto_refused' });
    return createHmac(digest, Buffer.from(String(base64Key ?? ''), 'base64'))
      .update(String(data ?? ''), 'utf8')
      .digest('base64');
  }
}

function digest(algorithm: string, encoding: 'hex' | 'base64') {
  return (input: unknown): string => {
    const out = createHash(algorithm).update(String(input ?? ''), 'utf8').digest(encoding);
    return encoding === 'hex' ? out.toUpperCase() : out;
  };
}

export class GlideDigestImpl {
  getSHA256Hex = digest('sha256', 'hex');
  getSHA256Base64 = digest('sha256', 'base64');
  getSHA1Hex = digest('sha1', 'hex');
  getSHA1Base64 = digest('sha1', 'base64');
  getMD5Hex = digest('md5', 'hex');
  getMD5Base64 = digest('md5', 'base64');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const GlideStringUtilImpl = {
  base64Encode: (text: unknown): string => Buffer.from(String(text ?? ''), 'utf8').toString('base64'),
  base64Decode: (text: unknown): string => Buffer.from(String(text ?? ''), 'base64').toString('utf8'),
  isBase64: (text: unknown): boolean => /^[A-Za-z0-9+/]*={0,2}$/.test(String(text ?? '')) && String(text ?? '').length % 4 === 0,
  escapeHTML: (text: unknown): string => String(text ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c),
  unEscapeHTML: (text: unknown): string =>
    String(text ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  escapeQueryTermSeparator: (text: unknown): string => escapeQueryValue(String(text ?? '')),
  isEligibleSysID: (text: unknown): boolean => isSysId(String(text ?? '')),
  newLinesToBreaks: (text: unknown): string => String(text ?? '').replace(/\r?\n/g, '<br/>'),
  normalizeWhitespace: (text: unknown): string => String(text ?? '').replace(/\s+/g, ' ').trim(),
  getNumeric: (text: unknown): string => String(text ?? '').replace(/[^0-9]/g, ''),
};

export function cryptoClasses(host: GlideHost): Record<string, unknown> {
  function GlideCertificateEncryption(): GlideCertificateEncryptionImpl {
    const scope = host.frame()?.scope ?? 'global';
    if (scope !== 'global') {
      throw new IncidentSnError(`GlideCertificateEncryption is a global API; a scoped script (scope '${scope}') uses CertificateEncryption`, { code: 'glide_crypto_refused' });
    }
    return withUnsupportedMembers(new GlideCertificateEncryptionImpl(), 'GlideCertificateEncryption');
  }
  GlideCertificateEncryption.prototype = GlideCertificateEncryptionImpl.prototype;
  function CertificateEncryption(): GlideCertificateEncryptionImpl {
    return withUnsupportedMembers(new GlideCertificateEncryptionImpl(), 'CertificateEncryption');
  }
  CertificateEncryption.prototype = GlideCertificateEncryptionImpl.prototype;
  function GlideDigest(): GlideDigestImpl {
    return withUnsupportedMembers(new GlideDigestImpl(), 'GlideDigest');
  }
  GlideDigest.prototype = GlideDigestImpl.prototype;
  return { CertificateEncryption, GlideCertificateEncryption, GlideDigest, GlideStringUtil: withUnsupportedMembers({ ...GlideStringUtilImpl }, 'GlideStringUtil') };
}
