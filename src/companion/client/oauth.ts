import { z } from 'zod';
import type { OAuthPasswordCredentials } from './credentials';
import { OAuthError, type OAuthGrant } from './errors';
import type { Runtime } from './runtime';

/**
 * The bearer token's lifecycle: a password grant at first, a refresh-token grant shortly before
 * the access token expires, a fresh password grant when the refresh token is refused, and only
 * one grant in flight however many calls are waiting for a token.
 */

/** A token endpoint answer, already checked. */
export interface TokenGrant {
  accessToken: string;
  expiresInSeconds: number;
  refreshToken?: string;
}

/** Sends one grant to `/oauth_token.do` (form fields as given) and returns the checked answer. */
export type TokenRequester = (form: Record<string, string>, grant: OAuthGrant) => Promise<TokenGrant>;

// ServiceNow sends numbers; some proxies and older releases send numeric strings.
const TOKEN_RESPONSE = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
});

/** ServiceNow's default access token lifetime, used when an answer leaves `expires_in` out. */
const DEFAULT_LIFETIME_SECONDS = 1800;

/** The grant in a token endpoint's 200 body, or undefined if it has none (never echoes the body). */
export function parseTokenGrant(json: unknown): TokenGrant | undefined {
  const parsed = TOKEN_RESPONSE.safeParse(json);
  if (!parsed.success) return undefined;
  return {
    accessToken: parsed.data.access_token,
    expiresInSeconds: parsed.data.expires_in ?? DEFAULT_LIFETIME_SECONDS,
    ...(parsed.data.refresh_token !== undefined ? { refreshToken: parsed.data.refresh_token } : {}),
  };
}

interface HeldToken {
  accessToken: string;
  /** From this time on, the token is renewed before use. */
  renewAtMs: number;
  refreshToken?: string;
}

/** Resolves with `promise`, or rejects with the signal's reason as soon as it fires (the promise carries on). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export class OAuthTokenManager {
  private held?: HeldToken;
  private renewal?: Promise<string>;

  /**
   * @param renewMarginMs how long before expiry a token is renewed (at most half its lifetime), so a
   *   call never starts with a token that expires on the way.
   */
  constructor(
    private readonly credentials: OAuthPasswordCredentials,
    private readonly requestToken: TokenRequester,
    private readonly runtime: Runtime,
    private readonly renewMarginMs = 60_000,
  ) {}

  /**
   * A token valid for a while yet. Callers that arrive while a grant is in flight share it. The
   * signal only stops this caller's wait: the grant carries on for the others.
   */
  accessToken(signal?: AbortSignal): Promise<string> {
    if (this.renewal) return abortable(this.renewal, signal);
    if (this.held && this.runtime.now() < this.held.renewAtMs) return Promise.resolve(this.held.accessToken);
    const renewal = this.renew().finally(() => {
      this.renewal = undefined;
    });
    // Every waiter may have given up; the outcome must still count as handled.
    renewal.catch(() => undefined);
    this.renewal = renewal;
    return abortable(renewal, signal);
  }

  /**
   * Called after the instance refused `token` (401): the next accessToken() gets a new one, unless
   * another caller already replaced it.
   */
  invalidate(token: string): void {
    if (this.held?.accessToken === token) this.held = { ...this.held, renewAtMs: Number.NEGATIVE_INFINITY };
  }

  private async renew(): Promise<string> {
    const { clientId, clientSecret, username, password } = this.credentials;
    let grant: TokenGrant | undefined;
    const refreshToken = this.held?.refreshToken;
    if (refreshToken) {
      try {
        grant = await this.requestToken(
          { grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken },
          'refresh_token',
        );
      } catch (err) {
        // A refused refresh token (expired, revoked) is replaced by a password grant; anything else
        // (network, 5xx, rate limit) would fail the password grant too, so it is thrown.
        if (!(err instanceof OAuthError)) throw err;
        this.held = undefined;
      }
    }
    const refreshed = grant !== undefined;
    grant ??= await this.requestToken(
      { grant_type: 'password', client_id: clientId, client_secret: clientSecret, username, password },
      'password',
    );
    const lifetimeMs = grant.expiresInSeconds * 1000;
    // A refresh answer may leave the refresh token out: the one just used stays valid then.
    const nextRefreshToken = grant.refreshToken ?? (refreshed ? refreshToken : undefined);
    this.held = {
      accessToken: grant.accessToken,
      renewAtMs: this.runtime.now() + lifetimeMs - Math.min(this.renewMarginMs, lifetimeMs / 2),
      ...(nextRefreshToken !== undefined ? { refreshToken: nextRefreshToken } : {}),
    };
    return grant.accessToken;
  }
}
