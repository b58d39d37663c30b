import { describeError } from '../../shared/errors';
import { ServiceNowRateLimitError, ServiceNowRequestError } from '../client';
import type { CheckOutcome } from './check-runner';

/**
 * Turns an error that is not about the check itself (rate limit, network, timeout, a failing
 * instance) into a failed outcome that stops the run: later checks would hit the same wall.
 * The client's messages already say what to do; this adds what we were doing.
 */
export function interruptedBy(err: unknown, doing: string): CheckOutcome {
  if (err instanceof ServiceNowRateLimitError) {
    const reset =
      err.rateLimit.resetEpochSeconds !== undefined
        ? ` The limit resets at ${new Date(err.rateLimit.resetEpochSeconds * 1000).toISOString().replace('.000Z', 'Z')}.`
        : '';
    return {
      ok: false,
      stop: true,
      step: null,
      message: `Rate limited while ${doing}: ${err.message}${reset}`,
    };
  }
  if (err instanceof ServiceNowRequestError) {
    return { ok: false, stop: true, step: null, message: `Could not finish ${doing}: ${err.message}` };
  }
  return { ok: false, stop: true, step: null, message: `Could not finish ${doing}: ${describeError(err)}` };
}

/** "a", "a and b", "a, b and c". */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
