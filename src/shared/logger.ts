import pino, { type Logger, type LoggerOptions } from 'pino';
import { HEADER } from '../server/contract/push-event';

/**
 * Field paths whose values are secrets. Whatever is logged, these are replaced by "[redacted]",
 * so a secret never reaches a log line even when a whole request or config object is logged.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'client_secret',
  '*.client_secret',
  'clientSecret',
  '*.clientSecret',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'signing_secret',
  '*.signing_secret',
  'signingSecret',
  '*.signingSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  `*.headers["${HEADER.signature.toLowerCase()}"]`,
];

export type { Logger };

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...options,
  });
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
