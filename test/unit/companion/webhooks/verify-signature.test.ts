import fc from 'fast-check';
import { WebhookVerificationError } from '../../../../src/companion/webhooks/verification-error';
import { parseSignatureHeader, verifyPushSignature } from '../../../../src/companion/webhooks/verify-signature';
import { newSigningSecret, signBody } from '../../../helpers/hmac';

const now = 1_767_225_600;

function failure(fn: () => unknown): WebhookVerificationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err;
    throw err;
  }
  throw new Error('expected a WebhookVerificationError');
}

describe('verifyPushSignature', () => {
  const secret = newSigningSecret();
  const body = '{"event_id":"abc","text":"naïve ✓"}';

  it('accepts what the app signs (same algorithm as src/server/lib/signature.ts)', () => {
    const header = signBody(secret, body, now);
    expect(verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: header, secrets: [secret], nowSeconds: now })).toEqual({
      timestamp: now,
      secretIndex: 0,
    });
  });

  it('accepts the previous secret during a rotation and says which matched', () => {
    const previous = newSigningSecret();
    const header = signBody(previous, body, now);
    expect(verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: header, secrets: [secret, previous], nowSeconds: now }).secretIndex).toBe(1);
  });

  it('refuses a body changed by one byte, with 401', () => {
    const header = signBody(secret, body, now);
    const err = failure(() => verifyPushSignature({ rawBody: Buffer.from(body + ' '), signatureHeader: header, secrets: [secret], nowSeconds: now }));
    expect(err.reason).toBe('signature_mismatch');
    expect(err.status).toBe(401);
  });

  it('refuses a forged signature from another secret, with 401', () => {
    const header = signBody(newSigningSecret(), body, now);
    expect(failure(() => verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: header, secrets: [secret], nowSeconds: now })).reason).toBe(
      'signature_mismatch',
    );
  });

  it('keys each check by its own secret, also after many secrets (decoded keys are cached per secret)', () => {
    // More secrets than the cache keeps, each used twice: a key cached for one secret never verifies another's signature.
    const secrets = Array.from({ length: 40 }, () => newSigningSecret());
    for (let round = 0; round < 2; round++) {
      secrets.forEach((s, i) => {
        const other = secrets[(i + 1) % secrets.length]!;
        const rawBody = Buffer.from(body);
        expect(verifyPushSignature({ rawBody, signatureHeader: signBody(s, body, now), secrets: [s], nowSeconds: now }).secretIndex).toBe(0);
        expect(failure(() => verifyPushSignature({ rawBody, signatureHeader: signBody(other, body, now), secrets: [s], nowSeconds: now })).reason).toBe('signature_mismatch');
      });
    }
  });

  it('refuses a timestamp outside the five-minute tolerance (replay), either side', () => {
    for (const t of [now - 301, now + 301]) {
      const err = failure(() => verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: signBody(secret, body, t), secrets: [secret], nowSeconds: now }));
      expect(err.reason).toBe('stale_timestamp');
      expect(err.status).toBe(401);
    }
    expect(verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: signBody(secret, body, now - 300), secrets: [secret], nowSeconds: now }).timestamp).toBe(now - 300);
  });

  it('refuses a re-signed timestamp: the MAC covers it', () => {
    const header = signBody(secret, body, now - 1000).replace(`t=${now - 1000}`, `t=${now}`);
    expect(failure(() => verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: header, secrets: [secret], nowSeconds: now })).reason).toBe(
      'signature_mismatch',
    );
  });

  it('answers 400 for a missing or malformed header, carrying the header but never a secret', () => {
    expect(failure(() => verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: undefined, secrets: [secret] })).status).toBe(400);
    for (const header of ['', 'v1=abc', 't=abc,v1=abc', 't=1', 'sha256=deadbeef', `t=${now},v1=***`]) {
      const err = failure(() => verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: header, secrets: [secret], nowSeconds: now }));
      expect(err.status).toBe(400);
      expect(JSON.stringify({ ...err, message: err.message })).not.toContain(secret);
    }
  });

  it('answers 503 when the connection has no secret', () => {
    const err = failure(() => verifyPushSignature({ rawBody: Buffer.from(body), signatureHeader: signBody(secret, body, now), secrets: [''], nowSeconds: now }));
    expect(err.reason).toBe('no_secret');
    expect(err.status).toBe(503);
  });

  it('never accepts an arbitrary header, and never throws anything but its own error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (header, bytes) => {
        const err = failure(() => verifyPushSignature({ rawBody: Buffer.from(bytes), signatureHeader: header, secrets: [secret], nowSeconds: now }));
        expect([400, 401]).toContain(err.status);
      }),
    );
  });

  it('parses several v1 signatures', () => {
    expect(parseSignatureHeader('t=5,v1=AAAA,v0=zz,v1=BBBB').signatures).toHaveLength(2);
  });
});
