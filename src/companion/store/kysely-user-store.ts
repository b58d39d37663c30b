import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { UserExistsError } from './errors';
import type { CompanionDatabase } from './schema';
import type { WebUsersTable } from './user-schema';
import type { NewWebSession, UserStore, WebSession, WebUser } from './user-store';

function userOf(row: Selectable<WebUsersTable>): WebUser {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export class KyselyUserStore implements UserStore {
  constructor(
    private readonly db: Kysely<CompanionDatabase>,
    private readonly clock: () => Date,
  ) {}

  async createUser(email: string, passwordHash: string): Promise<WebUser> {
    const normalized = email.trim().toLowerCase();
    const now = this.clock().toISOString();
    const row = { id: randomUUID(), email: normalized, password_hash: passwordHash, failed_attempts: 0, locked_until: null, created_at: now, updated_at: now };
    const inserted = await this.db.insertInto('web_users').values(row).onConflict((c) => c.column('email').doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw new UserExistsError(normalized);
    return userOf(row);
  }

  async setPassword(email: string, passwordHash: string): Promise<boolean> {
    const result = await this.db
      .updateTable('web_users')
      .set({ password_hash: passwordHash, failed_attempts: 0, locked_until: null, updated_at: this.clock().toISOString() })
      .where('email', '=', email.trim().toLowerCase())
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async findUserByEmail(email: string): Promise<WebUser | undefined> {
    const row = await this.db.selectFrom('web_users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    return row ? userOf(row) : undefined;
  }

  async countUsers(): Promise<number> {
    const row = await this.db.selectFrom('web_users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async recordFailedSignIn(userId: string, lockedUntil: Date | null): Promise<void> {
    await this.db
      .updateTable('web_users')
      .set((eb) => ({
        failed_attempts: eb('failed_attempts', '+', 1),
        locked_until: lockedUntil === null ? null : lockedUntil.toISOString(),
        updated_at: this.clock().toISOString(),
      }))
      .where('id', '=', userId)
      .execute();
  }

  async clearFailedSignIns(userId: string): Promise<void> {
    await this.db.updateTable('web_users').set({ failed_attempts: 0, locked_until: null }).where('id', '=', userId).where('failed_attempts', '>', 0).execute();
  }

  async createSession(session: NewWebSession): Promise<void> {
    await this.db
      .insertInto('web_sessions')
      .values({
        token_hash: session.tokenHash,
        user_id: session.userId,
        csrf_token: session.csrfToken,
        created_at: session.createdAt.toISOString(),
        expires_at: session.expiresAt.toISOString(),
      })
      .execute();
  }

  async getSession(tokenHash: string, now: Date): Promise<WebSession | undefined> {
    const row = await this.db
      .selectFrom('web_sessions')
      .innerJoin('web_users', 'web_users.id', 'web_sessions.user_id')
      .select(['web_users.id as user_id', 'web_users.email', 'web_sessions.csrf_token', 'web_sessions.expires_at'])
      .where('web_sessions.token_hash', '=', tokenHash)
      .where('web_sessions.expires_at', '>', now.toISOString())
      .executeTakeFirst();
    if (!row) return undefined;
    return { user: { id: row.user_id, email: row.email }, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at) };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('token_hash', '=', tokenHash).execute();
  }

  async purgeExpiredSessions(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('web_sessions').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
