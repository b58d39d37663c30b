import { IncidentSnError } from '../../src/shared/errors';
import type { TransactionJob } from '../../src/companion/store/sync-store';
import type { NewInboundEvent } from '../../src/companion/store/sync-store';

/**
 * Transaction jobs for the store's tests (a job is loaded by the store's thread from its module):
 * it records the given events, each in a savepoint, and throws (with a code) where the input says.
 */
export interface RecordEventsInput {
  events: NewInboundEvent[];
  /** Event ids whose savepoint throws after its insert (undone alone). */
  failInSavepoint: string[];
  /** Throw after every insert: the whole job is rolled back. */
  failAtEnd: boolean;
}

export const RECORD_EVENTS: TransactionJob<RecordEventsInput, string[]> = {
  module: __filename,
  name: 'RECORD_EVENTS',
  async run(tx, input, tools) {
    const kept: string[] = [];
    for (const event of input.events) {
      try {
        await tools.savepoint(async () => {
          await tx.inbound.record(event);
          if (input.failInSavepoint.includes(event.eventId)) throw new Error(`refused ${event.eventId}`);
        });
        kept.push(event.eventId);
      } catch {
        // Undone alone: the job goes on with the next event.
      }
    }
    if (input.failAtEnd) throw new IncidentSnError('the job failed after its writes', { code: 'test_job_failed' });
    return kept;
  },
};

export interface EchoKeptInput {
  settings: { version: number; names: string[] };
  call: number;
}

/** Answers its input as the job saw it; `settings` is a kept input (sent to the store's thread once per object). */
export const ECHO_KEPT: TransactionJob<EchoKeptInput, EchoKeptInput> = {
  module: __filename,
  name: 'ECHO_KEPT',
  keptInputs: ['settings'],
  async run(_tx, input) {
    return input;
  },
};
