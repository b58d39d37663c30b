import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSecretKey, SecretKeyError, SECRET_KEY_ENV } from '../../../../src/companion/store';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-key-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): SecretKeyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SecretKeyError);
    return err as SecretKeyError;
  }
  throw new Error('expected a SecretKeyError');
}

describe('loadSecretKey', () => {
  it('generates a key file readable only by its owner, in a folder created for it, and reuses it', () => {
    const keyFile = path.join(dir, 'nested', 'secret.key');
    const first = loadSecretKey({ env: {}, keyFile });
    expect(first).toMatchObject({ source: 'file', file: keyFile, created: true });
    expect(first.key).toHaveLength(32);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64').equals(first.key)).toBe(true);

    const second = loadSecretKey({ env: {}, keyFile });
    expect(second.created).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('refuses a key file others may read, saying how to fix it', () => {
    const keyFile = path.join(dir, 'secret.key');
    loadSecretKey({ env: {}, keyFile });
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      fs.chmodSync(keyFile, mode);
      const error = errorOf(() => loadSecretKey({ env: {}, keyFile }));
      expect(error.code).toBe('secret_key_file_permissions');
      expect(error.message).toContain(`mode 0${mode.toString(8)}`);
      expect(error.message).toContain(`chmod 600 ${keyFile}`);
    }
    fs.chmodSync(keyFile, 0o400);
    expect(loadSecretKey({ env: {}, keyFile }).key).toHaveLength(32);
  });

  it('refuses a malformed key file without showing its content', () => {
    const keyFile = path.join(dir, 'secret.key');
    fs.writeFileSync(keyFile, 'c2hvcnQta2V5LXRleHQ=\n', { mode: 0o600 });
    const error = errorOf(() => loadSecretKey({ env: {}, keyFile }));
    expect(error.message).toContain(keyFile);
    expect(error.message).toContain('decodes to 14 bytes');
    expect(error.message).not.toContain('c2hvcnQta2V5LXRleHQ');
  });

  it('refuses a symbolic link as the key file', () => {
    const real = path.join(dir, 'real.key');
    fs.writeFileSync(real, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const link = path.join(dir, 'secret.key');
    fs.symlinkSync(real, link);
    expect(errorOf(() => loadSecretKey({ env: {}, keyFile: link })).code).toBe('secret_key_file_unusable');
  });

  it('uses INCIDENT_SN_SECRET_KEY when set, and then creates no file', () => {
    const key = randomBytes(32);
    const keyFile = path.join(dir, 'secret.key');
    const loaded = loadSecretKey({ env: { [SECRET_KEY_ENV]: ` ${key.toString('base64')}\n` }, keyFile });
    expect(loaded).toMatchObject({ source: 'env', created: false });
    expect(loaded.key.equals(key)).toBe(true);
    expect(fs.existsSync(keyFile)).toBe(false);
  });

  it.each([
    ['not base64', 'this is not base64!', /is not base64/],
    ['the wrong length', randomBytes(16).toString('base64'), /decodes to 16 bytes/],
    ['url-safe base64', randomBytes(32).toString('base64url'), /is not base64|decodes to/],
  ])('refuses an environment key that is %s, naming the variable and never echoing it', (_what, value, pattern) => {
    const error = errorOf(() => loadSecretKey({ env: { [SECRET_KEY_ENV]: value }, keyFile: path.join(dir, 'secret.key') }));
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain(SECRET_KEY_ENV);
    expect(error.message).toContain('openssl rand -base64 32');
    expect(error.message).not.toContain(value);
  });
});
