import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SecretDecryptionError, SecretKeyError } from './errors';
import { Secret } from './secret';

/**
 * Encrypts secrets for storage with AES-256-GCM. Each value gets a fresh 96-bit nonce; the stored
 * text carries a format version and the id of the key that sealed it:
 *
 *   v1.<key id>.<nonce, base64url>.<ciphertext and 128-bit tag, base64url>
 *
 * The version, the key id and a caller-given context (such as "connections.<id>.password") are
 * authenticated as associated data, so a value copied to another row or column fails to open
 * just like an altered one.
 */

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const SEALED = /^v1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;

/** A short, non-secret name for a key: the first 8 bytes of a domain-separated SHA-256 of it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('incident-sn secret key id\0').update(key).digest('hex').slice(0, 16);
}

export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new SecretKeyError(`The encryption key must be exactly ${KEY_BYTES} bytes.`);
    }
    this.#key = Buffer.from(key);
    this.keyId = keyIdOf(key);
  }

  seal(secret: Secret, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.associatedData(this.keyId, context));
    const ciphertext = Buffer.concat([cipher.update(secret.reveal(), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${this.keyId}.${nonce.toString('base64url')}.${ciphertext.toString('base64url')}`;
  }

  open(sealed: string, context: string): Secret {
    const parts = SEALED.exec(sealed);
    if (!parts) {
      throw new SecretDecryptionError(
        `The stored secret ${context} is not in a format this companion can read (it may have been altered).`,
      );
    }
    const [, keyId, nonceText, bodyText] = parts as unknown as [string, string, string, string];
    if (keyId !== this.keyId) {
      throw new SecretDecryptionError(
        `The stored secret ${context} was encrypted with key ${keyId}, but the key in use is ${this.keyId}. ` +
          `Use the key the database was written with (INCIDENT_SN_SECRET_KEY, or the secret.key file next to the ` +
          `database), or run incident-sn connect again to store the credentials anew.`,
        { keyId },
      );
    }
    const body = Buffer.from(bodyText, 'base64url');
    const nonce = Buffer.from(nonceText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length <= TAG_BYTES) {
      throw new SecretDecryptionError(`The stored secret ${context} is truncated (it may have been altered).`, { keyId });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(this.associatedData(keyId, context));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
      return new Secret(plain.toString('utf8'));
    } catch (err) {
      throw new SecretDecryptionError(
        `The stored secret ${context} failed its integrity check: it was altered, or copied from another record. ` +
          `Run incident-sn connect again to store the credentials anew.`,
        { keyId, cause: err },
      );
    }
  }

  private associatedData(keyId: string, context: string): Buffer {
    return Buffer.from(`${VERSION}.${keyId}.${context}`, 'utf8');
  }
}
