import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Secret, SecretBox, SecretDecryptionError, SecretKeyError } from '../../../../src/companion/store';

const box = new SecretBox(randomBytes(32));

function flipCharAt(text: string, index: number): string {
  const c = text[index]!;
  return `${text.slice(0, index)}${c === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;
}

describe('SecretBox (AES-256-GCM)', () => {
  it('round-trips any text, with a fresh nonce every time', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }), (text) => {
        const sealed = box.seal(new Secret(text), 'ctx');
        expect(box.open(sealed, 'ctx').reveal()).toBe(text);
      }),
    );
    const a = box.seal(new Secret('same'), 'ctx');
    const b = box.seal(new Secret('same'), 'ctx');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('stores the format version and key id with the ciphertext, never the plaintext', () => {
    const sealed = box.seal(new Secret('plain-text-password'), 'ctx');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed.split('.')[1]).toBe(box.keyId);
    expect(sealed).not.toContain('plain-text-password');
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('plain-text-password');
  });

  it('detects any altered character of nonce or ciphertext', () => {
    // 5 bytes + the 16-byte tag = 21 bytes: base64url without spare bits, so every character counts.
    const sealed = box.seal(new Secret('s3crt'), 'ctx');
    const [version, keyId] = sealed.split('.');
    const start = version!.length + keyId!.length + 2;
    for (let i = start; i < sealed.length; i += 1) {
      const altered = flipCharAt(sealed, i);
      if (altered === sealed) continue;
      expect(() => box.open(altered, 'ctx')).toThrow(SecretDecryptionError);
    }
  });

  it('refuses a value sealed for another context (copied to another row or column)', () => {
    const sealed = box.seal(new Secret('s3cret'), 'connections.a.password_sealed');
    expect(() => box.open(sealed, 'connections.b.password_sealed')).toThrow(/integrity check/);
  });

  it('names both key ids when the value was sealed with another key, and never shows the secret', () => {
    const other = new SecretBox(randomBytes(32));
    const sealed = other.seal(new Secret('s3cret'), 'ctx');
    let error: unknown;
    try {
      box.open(sealed, 'ctx');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SecretDecryptionError);
    expect((error as Error).message).toContain(other.keyId);
    expect((error as Error).message).toContain(box.keyId);
    expect((error as Error).message).toContain('INCIDENT_SN_SECRET_KEY');
  });

  it('refuses malformed and truncated values', () => {
    expect(() => box.open('not sealed', 'ctx')).toThrow(/not in a format/);
    const sealed = box.seal(new Secret('x'), 'ctx');
    expect(() => box.open(sealed.slice(0, -10), 'ctx')).toThrow(SecretDecryptionError);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(SecretKeyError);
  });
});
