import { z } from 'zod';
import type { CallOptions, ServiceNowConnection } from './connection';
import { UnexpectedAppResponseError } from './errors';
import { resultOf } from './response';
import type { HttpMethod } from './retry-policy';

/**
 * The incident.io app's scripted REST API on the instance, `/api/x_incident_io/v1/sync/…`.
 * `callScriptedApi` is generic; the named methods add the app's paths and shapes.
 */

export const SYNC_API_BASE_PATH = '/api/x_incident_io/v1/sync';

/**
 * GET /health, as the app builds it (src/server/lib/health.ts). Every field Connect and doctor read
 * is required; objects stay open (`looseObject`) so a newer app may add fields without breaking an
 * older companion.
 */
export const SyncHealthSchema = z.looseObject({
  app: z.looseObject({ scope: z.string(), version: z.string() }),
  instance: z.string(),
  time: z.string(),
  config: z.looseObject({
    enabled: z.boolean(),
    webhook_url: z.string(),
    signing_secret_set: z.boolean(),
    integration_user: z.string(),
    /** The table of follow-up records the app's follow-up rules cover; absent in apps that predate it. */
    follow_up_table: z.string().optional(),
    delivering: z.boolean(),
  }),
  /** Events by state: queued, sending, delivered, failed, dead. */
  outbox: z.record(z.string(), z.number()),
  oldest_pending_age_seconds: z.number().nullable(),
  last_delivery: z
    .looseObject({ at: z.string(), event_id: z.string(), state: z.string(), http_status: z.number(), error: z.string() })
    .nullable(),
  /** Set when the app runs on another instance than the one PUT /config recorded (a clone); absent before 1.1.0. */
  clone_detected: z
    .looseObject({
      recorded: z.looseObject({ name: z.string(), url: z.string() }),
      current: z.looseObject({ name: z.string(), url: z.string() }),
    })
    .nullable()
    .optional(),
  caller: z.looseObject({
    user_name: z.string(),
    /** x_incident_io.api_user, cmdb_read, sn_cmdb_user, incident_manager, admin: held directly, inherited or through admin. */
    roles: z.record(z.string(), z.boolean()),
    /** The instance's ACL decisions on `task` for the caller. */
    task_access: z.looseObject({ create: z.boolean(), read: z.boolean(), write: z.boolean() }),
  }),
});
export type SyncHealth = z.infer<typeof SyncHealthSchema>;

/** Body of PUT /config: any of these settings (the app validates and refuses unknown keys). */
export interface SyncConfigUpdate {
  webhook_url?: string;
  signing_secret?: string;
  integration_user?: string;
  enabled?: boolean;
  /** The mapping's followUps.table (sync/follow-up-app-config.ts). */
  follow_up_table?: string;
}

/** Body of POST /resend: one incident's events, or every event queued since a time. */
export type SyncResendRequest = { incident: string } | { since: string };

export class SyncApiClient {
  constructor(private readonly connection: ServiceNowConnection) {}

  /** The app's health: configuration (never its secret), outbox counts, last delivery, the caller's access. */
  async health(options: CallOptions = {}): Promise<SyncHealth> {
    const result = await this.callScriptedApi('GET', 'health', undefined, options);
    const parsed = SyncHealthSchema.safeParse(result);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(the answer itself)'))];
      throw new UnexpectedAppResponseError(
        this.target('GET', 'health'),
        `the health answer lacks or mistypes ${fields.slice(0, 5).join(', ')}${fields.length > 5 ? ', …' : ''}`,
      );
    }
    return parsed.data;
  }

  /** Sets the app's push configuration. Idempotent (PUT), so retried after network errors. */
  configure(update: SyncConfigUpdate, options: CallOptions = {}): Promise<unknown> {
    return this.callScriptedApi('PUT', 'config', update, options);
  }

  /** Requeues events for delivery. Not retried after network errors (POST). */
  resend(request: SyncResendRequest, options: CallOptions = {}): Promise<unknown> {
    return this.callScriptedApi('POST', 'resend', request, options);
  }

  /** Calls `<method> /api/x_incident_io/v1/sync/<path>` and returns the `result` of its answer. */
  async callScriptedApi(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options: CallOptions & { idempotent?: boolean } = {},
  ): Promise<unknown> {
    const fullPath = this.fullPath(path);
    const response = await this.connection.request({
      method,
      path: fullPath,
      ...(body !== undefined ? { body } : {}),
      ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    return resultOf({ instance: this.connection.instanceUrl, method, path: fullPath }, response.status, response.headers, response.body);
  }

  private fullPath(path: string): string {
    // The connection checks the whole path (no "..", no query string).
    return `${SYNC_API_BASE_PATH}/${String(path).replace(/^\/+/, '')}`;
  }

  private target(method: HttpMethod, path: string): { instance: string; method: string; path: string } {
    return { instance: this.connection.instanceUrl, method, path: this.fullPath(path) };
  }
}
