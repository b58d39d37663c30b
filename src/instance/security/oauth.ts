import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { InstanceEngine } from '../records/engine';
import type { OAuthClientRow as ClientRow, OAuthCredentialRow as CredentialRow } from '../records/store/platform-lookups';
import { formatDateTime } from '../records/values';
import { Authenticator, tokenHash } from './auth';

/** Lifetimes that override the OAuth application's (seconds; fractions allowed, for tests). */
export interface TokenLifetimes {
  accessSeconds?: number;
  refreshSeconds?: number;
}

export interface OAuthOptions {
  lifetimes?: TokenLifetimes;
  /**
   * A token request while the user's latest access token for the client is still valid returns that
   * token (the platform does this). Default true.
   */
  reuseValidAccessToken?: boolean;
}

/** The 200 body, in the platform's key order. */
export interface TokenResponse {
  scope: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  access_token: string;
}

/** Why a token request failed. The HTTP answer is the same opaque 401 whatever the reason. */
export type TokenFailure =
  | 'unsupported_grant_type'
  | 'missing_parameter'
  | 'unknown_client'
  | 'bad_client_secret'
  | 'bad_user_credentials'
  | 'bad_refresh_token';

export type TokenResult = { ok: true; body: TokenResponse } | { ok: false; reason: TokenFailure };

const newToken = (): string => randomBytes(64).toString('base64url');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The OAuth token endpoint's logic: password and refresh_token grants against `oauth_entity`
 * clients, tokens persisted in `oauth_credential` (the token encrypted, its SHA-256 for lookup), so
 * they survive restarts and every thread sees them.
 */
export class OAuthService {
  constructor(
    private readonly engine: InstanceEngine,
    private readonly auth: Authenticator,
    private readonly options: OAuthOptions = {},
  ) {}

  async token(params: URLSearchParams): Promise<TokenResult> {
    const grant = params.get('grant_type');
    const clientId = params.get('client_id') ?? '';
    const clientSecret = params.get('client_secret') ?? '';
    if (grant !== 'password' && grant !== 'refresh_token') return { ok: false, reason: grant ? 'unsupported_grant_type' : 'missing_parameter' };
    if (!clientId || !clientSecret) return { ok: false, reason: 'missing_parameter' };
    const client = this.client(clientId);
    if (!client) return { ok: false, reason: 'unknown_client' };
    if (!sameSecret(this.engine.decrypt(client.client_secret ?? ''), clientSecret)) return { ok: false, reason: 'bad_client_secret' };
    if (grant === 'password') {
      const session = await this.auth.withPassword(params.get('username') ?? '', params.get('password') ?? '');
      if (!session) return { ok: false, reason: 'bad_user_credentials' };
      return { ok: true, body: this.issue(client, session.userSysId, null) };
    }
    const refresh = this.credential(params.get('refresh_token') ?? '', 'refresh_token', client.sys_id);
    if (!refresh || !refresh.user || Number(refresh.expires_at_ms ?? 0) <= this.engine.now()) return { ok: false, reason: 'bad_refresh_token' };
    const user = this.engine.lookups.userLoginById(refresh.user);
    if (!user || !this.auth.usable(user)) return { ok: false, reason: 'bad_refresh_token' };
    return { ok: true, body: this.issue(client, refresh.user, refresh) };
  }

  private client(clientId: string): ClientRow | null {
    this.engine.checkMetadata();
    const row = this.engine.lookups.oauthClient(clientId);
    if (!row || row.active === 'false') return null;
    return row;
  }

  private credential(token: string, type: 'access_token' | 'refresh_token', clientSysId: string): CredentialRow | null {
    if (!token) return null;
    return this.engine.lookups.oauthCredential(tokenHash(token), type, clientSysId);
  }

  private lifetimesMs(client: ClientRow): { access: number; refresh: number } {
    const access = this.options.lifetimes?.accessSeconds ?? (Number(client.access_token_lifespan) || 1800);
    const refresh = this.options.lifetimes?.refreshSeconds ?? (Number(client.refresh_token_lifespan) || 8640000);
    return { access: access * 1000, refresh: refresh * 1000 };
  }

  private issue(client: ClientRow, userSysId: string, refresh: CredentialRow | null): TokenResponse {
    const now = this.engine.now();
    const lifetimes = this.lifetimesMs(client);
    if (this.options.reuseValidAccessToken ?? true) {
      const current = this.engine.lookups.latestAccessToken(userSysId, client.sys_id);
      if (current && current.token && Number(current.expires_at_ms) > now) {
        const currentRefresh = current.refresh_token ? this.byId(current.refresh_token) : null;
        const refreshUsable = currentRefresh && currentRefresh.token && Number(currentRefresh.expires_at_ms) > now && (!refresh || refresh.sys_id === currentRefresh.sys_id);
        if (refreshUsable && currentRefresh.token) {
          return this.body(this.engine.decrypt(current.token), this.engine.decrypt(currentRefresh.token), Number(current.expires_at_ms) - now);
        }
      }
    }
    const system = this.engine.systemSession();
    const opts = { session: system, runBusinessRules: false };
    let refreshToken: string;
    let refreshId: string;
    if (refresh && refresh.token) {
      refreshToken = this.engine.decrypt(refresh.token);
      refreshId = refresh.sys_id;
    } else {
      refreshToken = newToken();
      refreshId = this.engine.insert('oauth_credential', this.row('refresh_token', userSysId, client.sys_id, refreshToken, now + lifetimes.refresh, ''), opts).sysId;
    }
    const accessToken = newToken();
    this.engine.insert('oauth_credential', this.row('access_token', userSysId, client.sys_id, accessToken, now + lifetimes.access, refreshId), opts);
    return this.body(accessToken, refreshToken, lifetimes.access);
  }

  private byId(sysId: string): CredentialRow | null {
    return this.engine.lookups.oauthCredentialById(sysId);
  }

  private row(type: string, user: string, peer: string, token: string, expiresAtMs: number, refreshId: string): Record<string, string> {
    return {
      type,
      user,
      peer,
      token,
      token_hash: tokenHash(token),
      expires: formatDateTime(expiresAtMs),
      expires_at_ms: String(Math.floor(expiresAtMs)),
      refresh_token: refreshId,
      scopes: 'useraccount',
    };
  }

  private body(accessToken: string, refreshToken: string, remainingMs: number): TokenResponse {
    return {
      scope: 'useraccount',
      token_type: 'Bearer',
      expires_in: Math.max(1, Math.ceil(remainingMs / 1000)),
      refresh_token: refreshToken,
      access_token: accessToken,
    };
  }
}
