import { retryAndPurge } from '../lib/delivery.ts';
import { deliveryDeps, log } from '../lib/glide-environment.ts';

/** Incidents with due events handled per run; the rest wait for the next run (one minute later). */
const MAX_INCIDENTS_PER_RUN = 200;

/** Scheduled job "Retry and purge incident.io outbox", every minute. */
export function retryAndPurgeOutbox(): void {
  const result = retryAndPurge(deliveryDeps(), MAX_INCIDENTS_PER_RUN);
  if (result.reclaimed || result.incidents || result.purged) {
    log.info(
      'outbox maintenance: reclaimed ' + result.reclaimed + ', retried ' + result.incidents + ' incident(s), delivered ' +
        result.delivered + ', purged ' + result.purged,
    );
  }
}
