import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * One-way password hashes for sys_user.user_password: scrypt with a random salt, stored as
 * `scrypt$N$r$p$salt$hash` (base64) so the parameters can change without breaking stored hashes.
 */
const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

export function isPasswordHash(value: string): boolean {
  return /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(value);
}

function format(salt: Buffer, hash: Buffer): string {
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function hashPasswordSync(password: string): string {
  const salt = randomBytes(16);
  return format(salt, scryptSync(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 }));
}

/** Hashes on the libuv thread pool, so seeding several users does not block the event loop. */
export function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 }, (err, hash) => (err ? reject(err) : resolve(format(salt, hash))));
  });
}

function parse(stored: string): { n: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  if (!isPasswordHash(stored)) return null;
  const [, n, r, p, salt, hash] = stored.split('$');
  return { n: Number(n), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

/** Constant-time check of a password against a stored hash. */
export function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(password, parsed.salt, parsed.hash.length, { N: parsed.n, r: parsed.r, p: parsed.p, maxmem: 64 * 1024 * 1024 }, (err, hash) => {
      resolve(!err && hash.length === parsed.hash.length && timingSafeEqual(hash, parsed.hash));
    });
  });
}
