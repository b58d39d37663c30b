import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SecretKeyError } from './errors';
import { KEY_BYTES } from './secret-box';

/**
 * Where the key that encrypts stored secrets comes from: the environment variable if set
 * (for deployments with a secret manager), else a key file next to the database, generated on
 * first use, readable only by its owner, and refused if anyone else may read it.
 */

export const SECRET_KEY_ENV = 'INCIDENT_SN_SECRET_KEY';
export const KEY_FILE_NAME = 'secret.key';

export interface LoadedSecretKey {
  key: Buffer;
  source: 'env' | 'file';
  /** The key file, when the key came from one. */
  file?: string;
  /** Whether the key file was created just now. */
  created: boolean;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HOW_TO_MAKE = 'for example the output of `openssl rand -base64 32`';

function decodeKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length % 4 !== 0 || !BASE64.test(trimmed)) {
    throw new SecretKeyError(
      `${where} is not base64: it must be the standard base64 encoding of ${KEY_BYTES} random bytes (${HOW_TO_MAKE}).`,
    );
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `${where} decodes to ${key.length} bytes; it must be the base64 encoding of exactly ${KEY_BYTES} random bytes ` +
        `(${HOW_TO_MAKE}).`,
    );
  }
  return key;
}

function checkOwnerOnly(file: string, stat: fs.Stats): void {
  if (!stat.isFile()) throw new SecretKeyError(`The secret key file ${file} is not a regular file.`);
  // POSIX permission bits mean nothing on Windows.
  if (process.platform === 'win32') return;
  const loose = stat.mode & 0o077;
  if (loose !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new SecretKeyError(
      `The secret key file ${file} may be read or changed by other users (mode ${mode}). Restrict it with ` +
        `\`chmod 600 ${file}\`; the companion refuses a key that others can read.`,
      { code: 'secret_key_file_permissions' },
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new SecretKeyError(
      `The secret key file ${file} belongs to another user (uid ${stat.uid}); the companion runs as uid ${uid}. ` +
        `Run the companion as the file's owner, or give it its own key.`,
      { code: 'secret_key_file_owner' },
    );
  }
}

function readKeyFile(file: string): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  try {
    checkOwnerOnly(file, fs.fstatSync(fd));
    return decodeKey(fs.readFileSync(fd, 'utf8'), `The secret key file ${file}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a new key; false when another process created the file first. */
function createKeyFile(file: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    // The umask may have taken bits away, never added them; make the mode exact anyway.
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** The key from `INCIDENT_SN_SECRET_KEY` alone (never a key file); undefined when it is unset or blank. */
export function secretKeyFromEnv(env: NodeJS.ProcessEnv): Buffer | undefined {
  const fromEnv = env[SECRET_KEY_ENV];
  if (fromEnv === undefined || fromEnv.trim() === '') return undefined;
  return decodeKey(fromEnv, `The environment variable ${SECRET_KEY_ENV}`);
}

/**
 * The key: from `INCIDENT_SN_SECRET_KEY` if set, else from `keyFile` (created if missing).
 * Throws SecretKeyError with what to do when the key is malformed or its file is too open.
 */
export function loadSecretKey(options: { env: NodeJS.ProcessEnv; keyFile: string }): LoadedSecretKey {
  const fromEnv = options.env[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { key: decodeKey(fromEnv, `The environment variable ${SECRET_KEY_ENV}`), source: 'env', created: false };
  }
  const file = path.resolve(options.keyFile);
  let created = false;
  try {
    created = createKeyFile(file);
    return { key: readKeyFile(file), source: 'file', file, created };
  } catch (err) {
    if (err instanceof SecretKeyError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new SecretKeyError(
      `The secret key file ${file} cannot be ${created ? 'read' : 'created or read'} (${code ?? String(err)}). ` +
        `Check the folder's permissions, or set ${SECRET_KEY_ENV}.`,
      { code: 'secret_key_file_unusable', cause: err },
    );
  }
}
