import { Algorithm, hash, verify } from '@node-rs/argon2';
import { IncidentSnError } from '../../shared/errors';

/**
 * Password hashes for the web pages' users: argon2id (memory-hard), with OWASP's baseline
 * parameters (19 MiB, 2 passes, 1 lane). The PHC string records them, so raising them later
 * still verifies older hashes.
 */

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

const PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class WeakPasswordError extends IncidentSnError {
  constructor(message: string) {
    super(message, { code: 'weak_password' });
  }
}

export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new WeakPasswordError(`The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters (a passphrase is fine).`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) throw new WeakPasswordError(`The password is too long: at most ${MAX_PASSWORD_LENGTH} characters.`);
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/** False for a wrong password and for a hash that cannot be read (never throws on user input). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash of nothing anyone knows: verified against when the email is unknown, so both take as long. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(`decoy-${Math.random()}-${Date.now()}`);
  return decoy;
}
