import { openSqliteStore, type SqliteCompanionStore } from '../../../../src/companion/store';
import { hashPassword } from '../../../../src/companion/web/passwords';
import { LOCKOUT_MS, MAX_FAILED_ATTEMPTS, signIn } from '../../../../src/companion/web/sign-in';
import { sameToken, startSession, tokenHash } from '../../../../src/companion/web/sessions';
import { runUserAdd } from '../../../../src/companion/web/user-command';
import { captureIo, tempDataDir } from '../../../helpers/command-io';

/** Users, passwords, lockout and sessions on a real SQLite file; `user add` as a command. */

let data: ReturnType<typeof tempDataDir>;
let store: SqliteCompanionStore;
let now = new Date('2026-01-31T09:00:00Z');

beforeAll(async () => {
  data = tempDataDir();
  store = await openSqliteStore({ file: data.db, env: {}, clock: () => now });
  await store.users.createUser('Ada@Example.com', await hashPassword('a long enough password'));
});
afterAll(async () => {
  await store?.close();
  data?.remove();
});

describe('signIn', () => {
  it('accepts the right password (email in any case) and keeps only an argon2id hash', async () => {
    const result = await signIn(store.users, 'ada@example.COM', 'a long enough password', now);
    expect(result).toMatchObject({ ok: true, user: { email: 'ada@example.com' } });
    const user = await store.users.findUserByEmail('ada@example.com');
    expect(user!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(user!.passwordHash).not.toContain('a long enough password');
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    expect(await signIn(store.users, 'ada@example.com', 'wrong', now)).toEqual({ ok: false, reason: 'wrong_credentials' });
    expect(await signIn(store.users, 'nobody@example.com', 'wrong', now)).toEqual({ ok: false, reason: 'wrong_credentials' });
    // A success resets the count of wrong passwords.
    expect((await signIn(store.users, 'ada@example.com', 'a long enough password', now)).ok).toBe(true);
    expect((await store.users.findUserByEmail('ada@example.com'))!.failedAttempts).toBe(0);
  });

  it(`locks the account after ${MAX_FAILED_ATTEMPTS} wrong passwords, the right one included, until the lockout ends`, async () => {
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) expect((await signIn(store.users, 'ada@example.com', `wrong ${i}`, now)).ok).toBe(false);
    const locked = await signIn(store.users, 'ada@example.com', 'wrong again', now);
    expect(locked).toEqual({ ok: false, reason: 'locked', until: new Date(now.getTime() + LOCKOUT_MS) });
    expect(await signIn(store.users, 'ada@example.com', 'a long enough password', now)).toMatchObject({ ok: false, reason: 'locked' });
    now = new Date(now.getTime() + LOCKOUT_MS + 1000);
    expect((await signIn(store.users, 'ada@example.com', 'a long enough password', now)).ok).toBe(true);
  });
});

describe('sessions', () => {
  it('stores only the hash of the token, and expires', async () => {
    const user = (await store.users.findUserByEmail('ada@example.com'))!;
    const { token, csrfToken } = await startSession(store.users, user.id, now);
    const found = await store.users.getSession(tokenHash(token), now);
    expect(found).toMatchObject({ user: { email: 'ada@example.com' }, csrfToken });
    expect(await store.users.getSession(token, now)).toBeUndefined();
    expect(await store.users.getSession(tokenHash(token), new Date(now.getTime() + 13 * 3600_000))).toBeUndefined();
    expect(sameToken(csrfToken, csrfToken)).toBe(true);
    expect(sameToken(csrfToken, `${csrfToken}x`)).toBe(false);
    expect(sameToken(undefined, csrfToken)).toBe(false);
  });

  it('drops expired sessions when someone signs in (the table holds only live ones)', async () => {
    const user = (await store.users.findUserByEmail('ada@example.com'))!;
    const old = await startSession(store.users, user.id, now);
    // Read as of a time it was valid: the row is there.
    expect(await store.users.getSession(tokenHash(old.token), now)).toBeDefined();
    await startSession(store.users, user.id, new Date(now.getTime() + 13 * 3600_000));
    // The later sign-in swept it: gone even when read as of a time it was valid.
    expect(await store.users.getSession(tokenHash(old.token), now)).toBeUndefined();
  });
});

describe('incident-sn user add', () => {
  it('reads the password from standard input', async () => {
    const io = { ...captureIo(), readStdin: async () => 'from stdin, long enough\n' };
    const { exitCode } = await runUserAdd({ email: 'Grace@example.com', db: data.db }, io);
    expect(exitCode).toBe(0);
    expect(io.out()).toContain('User grace@example.com added');
    expect((await signIn(store.users, 'grace@example.com', 'from stdin, long enough', now)).ok).toBe(true);
  });

  it('asks twice on a terminal and saves nothing when the two differ', async () => {
    const io = captureIo({}, ['first password here', 'second password here']);
    const { exitCode } = await runUserAdd({ email: 'linus@example.com', db: data.db }, io);
    expect(exitCode).toBe(2);
    expect(io.err()).toContain('The two passwords differ');
    expect(await store.users.findUserByEmail('linus@example.com')).toBeUndefined();
  });

  it('refuses a short password, a bad email, and an existing user without --replace', async () => {
    const short = { ...captureIo(), readStdin: async () => 'short' };
    expect((await runUserAdd({ email: 'x@example.com', db: data.db }, short)).exitCode).toBe(1);
    expect(short.err()).toContain('at least 12 characters');
    const bad = { ...captureIo(), readStdin: async () => 'long enough password' };
    expect((await runUserAdd({ email: 'not-an-email', db: data.db }, bad)).exitCode).toBe(2);
    const again = { ...captureIo(), readStdin: async () => 'another long password' };
    expect((await runUserAdd({ email: 'grace@example.com', db: data.db }, again)).exitCode).toBe(1);
    expect(again.err()).toContain('give --replace');
    const replace = { ...captureIo(), readStdin: async () => 'another long password' };
    expect((await runUserAdd({ email: 'grace@example.com', replace: true, db: data.db }, replace)).exitCode).toBe(0);
    expect((await signIn(store.users, 'grace@example.com', 'another long password', now)).ok).toBe(true);
  });
});
