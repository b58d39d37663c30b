import '@servicenow/sdk/global';
import { ScheduledScript } from '@servicenow/sdk/core';
import { retryAndPurgeOutbox } from '../../src/server/jobs/retry-and-purge';

/** Durability: retries failed pushes with backoff, reclaims interrupted ones, purges old delivered ones. */
ScheduledScript({
  $id: Now.ID['job-retry-and-purge-outbox'],
  name: 'Retry and purge incident.io outbox',
  active: true,
  frequency: 'periodically',
  executionInterval: { minutes: 1 },
  script: retryAndPurgeOutbox,
});
