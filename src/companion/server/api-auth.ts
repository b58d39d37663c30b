import { createHash, timingSafeEqual } from 'node:crypto';
import { IncidentSnError } from '../../shared/errors';

/**
 * How the incident API is protected: a key, sent as `Authorization: Bearer <key>`, from
 * INCIDENT_SN_API_KEY (or startCompanion's `apiKey`). Without a key the API is open, which the
 * companion allows only on a loopback address (a developer's machine): it refuses to listen
 * anywhere else without one. The webhook is protected by its signature instead; /healthz and
 * /metrics carry no incident data and stay open (for probes and scrapers).
 */

export const API_KEY_ENV = 'INCIDENT_SN_API_KEY';
/** Shorter keys are refused: a key must not be guessable. */
export const MIN_API_KEY_LENGTH = 24;

export class CompanionConfigError extends IncidentSnError {
  constructor(message: string) {
    super(message, { code: 'companion_config_invalid' });
  }
}

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function checkApiKeySetup(host: string, apiKey: string | null): void {
  if (apiKey !== null && apiKey.length < MIN_API_KEY_LENGTH) {
    throw new CompanionConfigError(`${API_KEY_ENV} is too short: use at least ${MIN_API_KEY_LENGTH} random characters (e.g. \`openssl rand -hex 32\`).`);
  }
  if (apiKey === null && !isLoopbackHost(host)) {
    throw new CompanionConfigError(
      `Refusing to serve the incident API on ${host} without an API key: set ${API_KEY_ENV} (e.g. \`openssl rand -hex 32\`), ` +
        `or listen on 127.0.0.1.`,
    );
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether an Authorization header carries the key (compared in constant time). */
export function authorizes(header: string | undefined, apiKey: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  return timingSafeEqual(digest(match[1]!), digest(apiKey));
}
