import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption of password2 values (client secrets, password properties) with the instance key.
 * AES-256-GCM; the stored text is `enc1:` + base64(iv | tag | ciphertext). The key lives in the
 * database (the emulator has no key store), so this hides secrets from API readers, not from
 * whoever holds the database file.
 */
const PREFIX = 'enc1:';

export function newInstanceKey(): string {
  return randomBytes(32).toString('base64');
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function encryptValue(keyBase64: string, clear: string): string {
  const key = Buffer.from(keyBase64, 'base64');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** The clear text of an encrypted value; a value that is not encrypted is returned as it is. */
export function decryptValue(keyBase64: string, stored: string): string {
  if (!isEncrypted(stored)) return stored;
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
