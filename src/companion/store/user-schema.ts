/** The web pages' tables (migration 0005), as kysely sees them. */

export interface WebUsersTable {
  id: string;
  /** Lower case; unique. */
  email: string;
  /** An argon2id PHC string ($argon2id$v=19$m=…). */
  password_hash: string;
  /** Wrong passwords since the last successful sign-in. */
  failed_attempts: number;
  /** No sign-in is accepted before this time (ISO 8601), or null. */
  locked_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebSessionsTable {
  /** SHA-256 (hex) of the session cookie's value. */
  token_hash: string;
  user_id: string;
  /** The token every form of this session must carry. */
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface UserDatabase {
  web_users: WebUsersTable;
  web_sessions: WebSessionsTable;
}
