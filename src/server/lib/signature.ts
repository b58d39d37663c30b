/**
 * The push signature. Every push carries
 *   X-Incident-Io-Signature: t=<unix seconds>,v1=<base64 HMAC-SHA256 of "<t>.<raw body>">
 * keyed with the bytes of the base64-decoded signing secret. The receiver recomputes the MAC over
 * the raw body it received and compares in constant time, and refuses stale timestamps.
 */

/** The exact string that is MACed. */
export function signatureBase(timestampSeconds: number, body: string): string {
  return timestampSeconds + '.' + body;
}

export function signatureHeader(timestampSeconds: number, macBase64: string): string {
  return 't=' + timestampSeconds + ',v1=' + macBase64;
}

/** `mac(base64Key, data)` is CertificateEncryption.generateMac with HmacSHA256 on the instance. */
export function signPush(
  mac: (base64Key: string, data: string) => string,
  secretBase64: string,
  timestampSeconds: number,
  body: string,
): string {
  return signatureHeader(timestampSeconds, mac(secretBase64, signatureBase(timestampSeconds, body)));
}
