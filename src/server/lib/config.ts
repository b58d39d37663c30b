import type { CloneDetected } from './clone-guard.ts';
import { PROPERTY } from './constants.ts';
import type { PropertyAccess } from './glide-interfaces.ts';

/**
 * The app's configuration: the system properties fluent/properties.now.ts declares, and the signing
 * secret, which lives in the password2 field of the app's configuration record (signing-secret.ts).
 */
export interface AppConfig {
  enabled: boolean;
  webhookUrl: string;
  signingSecret: string;
  integrationUser: string;
  /** The table of follow-up records (PROPERTY.followUpTable): `incident`, or a table extending task such as `problem`. */
  followUpTable: string;
  maxAttempts: number;
  retryBaseSeconds: number;
  retentionDays: number;
  requestTimeoutSeconds: number;
  /** Set when the instance is not the one PUT /config recorded (a clone): then nothing is queued or sent. */
  clone: CloneDetected | null;
}

export const DEFAULTS = {
  maxAttempts: 12,
  retryBaseSeconds: 30,
  retentionDays: 7,
  requestTimeoutSeconds: 10,
} as const;

/** A push holds a scheduler worker while it waits: never longer than this, whatever the property says. */
export const MAX_REQUEST_TIMEOUT_SECONDS = 30;

function integer(raw: string | null, fallback: number, min: number, max: number): number {
  const n = raw === null || raw === '' ? NaN : Number(raw);
  if (!isFinite(n) || Math.floor(n) !== n) return fallback;
  return Math.min(Math.max(n, min), max);
}

export function readConfig(properties: PropertyAccess, signingSecret: string, clone: CloneDetected | null = null): AppConfig {
  const enabled = properties.get(PROPERTY.enabled);
  return {
    enabled: enabled === 'true' || enabled === '1',
    webhookUrl: (properties.get(PROPERTY.webhookUrl) || '').trim(),
    signingSecret: signingSecret.trim(),
    integrationUser: (properties.get(PROPERTY.integrationUser) || '').trim(),
    followUpTable: (properties.get(PROPERTY.followUpTable) || '').trim() || 'incident',
    maxAttempts: integer(properties.get(PROPERTY.maxAttempts), DEFAULTS.maxAttempts, 1, 100),
    retryBaseSeconds: integer(properties.get(PROPERTY.retryBaseSeconds), DEFAULTS.retryBaseSeconds, 1, 3600),
    retentionDays: integer(properties.get(PROPERTY.retentionDays), DEFAULTS.retentionDays, 1, 365),
    requestTimeoutSeconds: integer(properties.get(PROPERTY.requestTimeoutSeconds), DEFAULTS.requestTimeoutSeconds, 1, MAX_REQUEST_TIMEOUT_SECONDS),
    clone,
  };
}

/** Pushes can go out only when enabled, both the webhook URL and the signing secret are set, and no clone is detected. */
export function canDeliver(config: AppConfig): boolean {
  return config.enabled && config.webhookUrl !== '' && config.signingSecret !== '' && config.clone === null;
}

/** The configuration as the API shows it: never the signing secret itself. */
export interface ConfigSummary {
  enabled: boolean;
  webhook_url: string;
  signing_secret_set: boolean;
  integration_user: string;
  follow_up_table: string;
  delivering: boolean;
}

export function summarizeConfig(config: AppConfig): ConfigSummary {
  return {
    enabled: config.enabled,
    webhook_url: config.webhookUrl,
    signing_secret_set: config.signingSecret !== '',
    integration_user: config.integrationUser,
    follow_up_table: config.followUpTable,
    delivering: canDeliver(config),
  };
}
