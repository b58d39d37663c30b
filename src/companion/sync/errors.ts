import { IncidentSnError } from '../../shared/errors';

/** Another change to the same incident committed first: re-read and try again. */
export class ConcurrentChangeError extends IncidentSnError {
  constructor(what: string) {
    super(`${what} was changed concurrently; the change is retried.`, { code: 'sync_concurrent_change' });
  }
}

/** This replica's lease on a queued item expired and another replica took it: roll back. */
export class LeaseLostError extends IncidentSnError {
  constructor(what: string) {
    super(`The lease on ${what} expired and another worker took it over; this attempt is rolled back.`, { code: 'sync_lease_lost' });
  }
}

/**
 * A request to the incident API that cannot be done: `status` is the HTTP status to answer,
 * `code` a stable identifier, `details` anything that helps fix the request.
 */
export class SyncApiError extends IncidentSnError {
  readonly status: number;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message, { code });
    this.status = status;
    this.details = details;
  }
}

/** Runs `work` again (up to `attempts` times in all) when it fails with ConcurrentChangeError. */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ConcurrentChangeError) || attempt >= attempts) throw err;
    }
  }
}
