import type { InstanceEngine } from '../records/engine';
import type { Session } from '../records/session';

interface RateRule {
  sysId: string;
  name: string;
  type: 'user' | 'role' | 'all';
  user: string;
  role: string;
  limit: number;
  httpMethod: string;
  restApi: string;
}

export interface RateLimitDecision {
  rule: RateRule;
  /** Requests counted in this window, this one included. */
  count: number;
  /** Epoch seconds when the window ends. */
  resetAt: number;
  exceeded: boolean;
}

/** ServiceNow counts inbound REST requests per clock hour. */
export const DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 3600;

/**
 * Inbound REST rate limits (`sys_rate_limit_rules`): requests per user per clock hour (or per
 * window of `windowSeconds`, aligned on multiples of it since the epoch: an emulator setting for
 * tests that cannot wait an hour). The most
 * specific active rule applies: a rule for the user beats a rule for one of the user's roles beats
 * an all-users rule; among rules of the same kind, the lowest limit. Counters live in SQLite so
 * every thread counts into the same window. Rules may be limited to an HTTP method and to a REST
 * API (`rest_api`: a path prefix such as `/api/now/table`; empty = every API).
 */
export class RateLimiter {
  readonly windowMs: number;
  /** How the window is named in a 429's detail: "hour" as on the platform, else "600 seconds". */
  readonly windowName: string;

  constructor(
    private readonly engine: InstanceEngine,
    windowSeconds: number = DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
  ) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 86_400) {
      throw new RangeError(`the rate-limit window must be a whole number of seconds from 1 to 86400 (got ${windowSeconds})`);
    }
    this.windowMs = windowSeconds * 1000;
    this.windowName = windowSeconds === DEFAULT_RATE_LIMIT_WINDOW_SECONDS ? 'hour' : `${windowSeconds} seconds`;
  }

  private rules(): RateRule[] {
    return this.engine.cachedByMetadata('rate-limit-rules', () => {
      const rows = this.engine.lookups.activeRateLimitRules();
      return rows.map((r) => ({
        sysId: r.sys_id ?? '',
        name: r.name ?? '',
        type: r.type === 'user' || r.type === 'role' ? r.type : 'all',
        user: r.user ?? '',
        role: r.role_name ?? '',
        limit: Number(r.rate_limit ?? 0),
        httpMethod: (r.http_method ?? '').toUpperCase(),
        restApi: r.rest_api ?? '',
      }));
    });
  }

  /** The rule applying to this request, or null. */
  ruleFor(session: Session, method: string, path: string): RateRule | null {
    const candidates = this.rules().filter(
      (r) => (!r.httpMethod || r.httpMethod === method.toUpperCase()) && (!r.restApi || path.startsWith(r.restApi)),
    );
    const pick = (rules: RateRule[]): RateRule | null => (rules.length === 0 ? null : rules.reduce((a, b) => (b.limit < a.limit ? b : a)));
    return (
      pick(candidates.filter((r) => r.type === 'user' && r.user === session.userSysId)) ??
      pick(candidates.filter((r) => r.type === 'role' && r.role && session.roles.has(r.role))) ??
      pick(candidates.filter((r) => r.type === 'all'))
    );
  }

  /** Counts the request against the applying rule. Null when no rule applies. */
  hit(session: Session, method: string, path: string): RateLimitDecision | null {
    if (session.isSystem) return null;
    const rule = this.ruleFor(session, method, path);
    if (!rule) return null;
    const now = this.engine.now();
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    const count = this.engine.rateLimitCounters.hit(rule.sysId, session.userSysId, windowStart);
    return { rule, count, resetAt: Math.floor((windowStart + this.windowMs) / 1000), exceeded: count > rule.limit };
  }
}
