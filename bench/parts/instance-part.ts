import { formatServiceNowTime } from '../../src/companion/catalog/paging';
import { startInstance, seedEdits, type RunningInstance } from '../../src/instance';
import { DIST_APP } from '../../src/shared/build-app';
import { ACCOUNTS } from '../fixtures/accounts';
import { servePart } from '../lib/part';

/**
 * The local instance in its own process, with the product's defaults (scheduler: 2 workers and its
 * default poll; the app's retry job active), with or without the app's real build.
 */

let instance: RunningInstance | null = null;
/** 429 answers per "METHOD path": a request refused more than once shows up with a count above 1. */
const refusals = new Map<string, number>();
/** Requests let through by a rate-limit rule, per window start (epoch ms). */
const acceptedPerWindow = new Map<number, number>();

function running(): RunningInstance {
  if (!instance) throw new Error('the instance is not started');
  return instance;
}

servePart({
  async start(options: { app: boolean; adminServiceAccount?: boolean; rateLimitWindowSeconds?: number; scheduler?: boolean }) {
    instance = await startInstance({
      port: 0,
      ...(options.app ? { app: DIST_APP } : {}),
      ...(options.adminServiceAccount ? { seed: (s) => seedEdits.grantRole(s, ACCOUNTS.svc.user, 'admin') } : {}),
      ...(options.rateLimitWindowSeconds !== undefined ? { rateLimitWindowSeconds: options.rateLimitWindowSeconds } : {}),
      ...(options.scheduler === false ? { scheduler: false as const } : {}),
    });
    const limiter = instance.context.rateLimiter;
    const hit = limiter.hit.bind(limiter);
    limiter.hit = (session, method, path) => {
      const decision = hit(session, method, path);
      if (decision?.exceeded) refusals.set(`${method} ${path}`, (refusals.get(`${method} ${path}`) ?? 0) + 1);
      else if (decision) {
        const windowStart = decision.resetAt * 1000 - limiter.windowMs;
        acceptedPerWindow.set(windowStart, (acceptedPerWindow.get(windowStart) ?? 0) + 1);
      }
      return decision;
    };
    return { url: instance.url };
  },

  /** Incidents made as an ITIL user would (business rules run), for the instance without the app. */
  createIncidents(count: number) {
    const engine = running().engine;
    const session = engine.sessionForUser(ACCOUNTS.itil.user);
    if (!session) throw new Error('no ITIL user in the seed');
    const made: Array<{ sysId: string; number: string }> = [];
    for (let i = 0; i < count; i++) {
      const r = engine.insert('incident', { short_description: `bench ${i}`, urgency: '2', impact: '3' }, { session });
      made.push({ sysId: r.sysId, number: String(r.values.number ?? '') });
    }
    return made;
  },

  /** `count` CIs with distinct, old update times (as if written over days). */
  insertConfigurationItems(count: number) {
    const engine = running().engine;
    const start = engine.now() - 30 * 86_400_000;
    engine.transaction(() => {
      for (let i = 0; i < count; i++) {
        engine.insert(
          'cmdb_ci_server',
          { name: `ci-${String(i).padStart(6, '0')}`, ip_address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, sys_updated_on: formatServiceNowTime(start + i * 1000) },
          { runBusinessRules: false, allowSystemFields: true },
        );
      }
    });
    return count;
  },

  /** A rate-limit rule for one user: `limit` requests per window. */
  addRateLimitRule(rule: { user: string; limit: number; name: string }) {
    const engine = running().engine;
    const user = engine.sessionForUser(rule.user);
    if (!user) throw new Error(`no user ${rule.user}`);
    engine.insert('sys_rate_limit_rules', { name: rule.name, type: 'user', user: user.userSysId, rate_limit: String(rule.limit), active: 'true' }, { session: engine.systemSession() });
    return null;
  },

  stats() {
    return {
      ...running().engine.stats,
      refusals: Object.fromEntries(refusals),
      acceptedPerWindow: [...acceptedPerWindow].sort((a, b) => a[0] - b[0]).map(([start, count]) => ({ start, count })),
      windowMs: running().context.rateLimiter.windowMs,
    };
  },

  async stop() {
    await instance?.close();
    instance = null;
    setImmediate(() => process.exit(0));
  },
});

process.once('SIGTERM', () => {
  void (instance?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
