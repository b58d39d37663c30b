import type { InboundWriter, NewInboundEvent, SyncStore } from '../store/sync-store';

/**
 * Group commit for received events: pushes verified while a commit is in progress wait and are
 * stored together in the next transaction, so a burst of pushes costs one commit (one fsync on
 * SQLite, one WAL flush on PostgreSQL) instead of one each. Each caller's promise settles only once
 * the transaction holding its event committed: an answer of "stored" still means on disk.
 *
 * A batch whose transaction fails is stored again one event at a time, each in its own
 * transaction, so every push gets the answer it would have got alone (one bad event does not fail
 * the others, and an unavailable database fails each). Events are inserted in the order they
 * arrived (apart from a failed batch's events, stored again after any batch handed over behind it);
 * the apply worker takes an incident's events in their order key's order anyway.
 *
 * A writer that runs batches one after another by itself (the SQLite store's pushes' thread) is
 * handed the next batch while the previous one commits, so no hand-over between the threads sits
 * between two commits, once at least MIN_PIPELINED_EVENTS pushes wait for it; each push is still
 * answered only after the commit of its own batch.
 */

/** `open` false: the event was applied in the transaction that stored it (nothing left for the apply worker). */
export type RecordedEvent = { stored: boolean; id: string; open?: boolean };

/**
 * Storing and applying in one transaction (InboundProcessor.storeAndApply), used for a quiet batch:
 * at most `maxEvents` pushes waiting, no other batch being stored, and none of them arrived while
 * one was.
 */
export interface ApplyAtOnce {
  maxEvents: number;
  storeAndApply(events: readonly NewInboundEvent[]): Promise<RecordedEvent[]>;
}

/**
 * Pushes that are applied in the transaction that stores them when no more are waiting: a quiet
 * push is stored and applied with one commit and answered after it. A burst goes to the pushes'
 * writer as before (stored only: its answers do not wait for the applies, which the apply worker
 * does behind it).
 */
export const APPLY_AT_ONCE_MAX_EVENTS = 4;

interface Waiting {
  event: NewInboundEvent;
  resolve: (result: RecordedEvent) => void;
  reject: (err: unknown) => void;
}

/** The sync store's own writer: a batch is one transaction of the store's inserts. */
export function inboundWriterOf(store: Pick<SyncStore, 'transaction' | 'inbound'>): InboundWriter {
  return {
    record: (event) => store.inbound.record(event),
    recordAll: (events) =>
      store.transaction(async (tx) => {
        const out: RecordedEvent[] = [];
        for (const event of events) out.push(await tx.inbound.record(event));
        return out;
      }),
  };
}

/**
 * Fewest pushes sent to the writer while another batch (of a burst, stored only) is being
 * committed (see flush). Each commit
 * costs both threads about as much CPU as several pushes' inserts (a message each way, the
 * transaction, the fsync): under a flood from 8 connections, a batch sent as soon as one push
 * waited gave batches of 6 and 1 in turn.
 */
export const MIN_PIPELINED_EVENTS = 4;

/** Most events per transaction: bounds how long one commit holds the store. */
export const MAX_GROUP_COMMIT_EVENTS = 200;

export class InboundGroupCommit {
  private queue: Waiting[] = [];
  private inFlight = 0;
  /** Of those, batches stored only (not a quiet batch stored and applied). */
  private storesInFlight = 0;
  private scheduled = false;

  private readonly writer: InboundWriter;

  constructor(
    store: InboundWriter | Pick<SyncStore, 'transaction' | 'inbound'>,
    private readonly maxEvents = MAX_GROUP_COMMIT_EVENTS,
    private readonly atOnce?: ApplyAtOnce,
  ) {
    this.writer = 'recordAll' in store ? store : inboundWriterOf(store);
  }

  /** Stores the event (deduplicated by connection and event id) with whatever else is waiting; resolves after the commit. */
  record(event: NewInboundEvent): Promise<RecordedEvent> {
    return new Promise<RecordedEvent>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.schedule();
    });
  }

  /** Events waiting for a commit (not yet in a transaction). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Batches handed to the writer at once: more than one only for a writer that runs them one after another itself. */
  private get maxInFlight(): number {
    return this.writer.batchesInFlight ?? 1;
  }

  private schedule(): void {
    if (this.inFlight >= this.maxInFlight || this.scheduled) return;
    this.scheduled = true;
    // The pushes whose bodies arrived in the same turn of the event loop join this batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /**
   * `afterCommit`: called as a burst's batch ended. The pushes waiting then arrived while it was
   * being committed: more of the burst, so they are stored only (never the quiet path), however few.
   */
  private flush(afterCommit = false): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      // Beside a batch of a burst being committed, another goes only with enough pushes to be worth
      // its own commit; fewer wait for the next one, which takes them with whatever arrives
      // meanwhile. Beside a quiet batch (its apply takes longer), a push still goes at once.
      if (this.storesInFlight > 0 && this.queue.length < MIN_PIPELINED_EVENTS) return;
      const quiet = this.atOnce !== undefined && !afterCommit && this.inFlight === 0 && this.queue.length <= this.atOnce.maxEvents;
      const batch = this.queue.splice(0, this.maxEvents);
      this.inFlight++;
      if (!quiet) this.storesInFlight++;
      void (quiet ? this.storeAndApply(batch) : this.commit(batch)).finally(() => {
        this.inFlight--;
        if (!quiet) this.storesInFlight--;
        this.flush(!quiet);
      });
    }
  }

  private async commit(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return this.alone(batch[0]!);
    let results: RecordedEvent[];
    try {
      results = await this.writer.recordAll(batch.map((w) => w.event));
    } catch {
      // Nothing of the batch was stored: each event on its own, for its own answer.
      for (const w of batch) await this.alone(w);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }

  /** A quiet batch stored and applied in one transaction; if that fails, stored as any batch is. */
  private async storeAndApply(batch: Waiting[]): Promise<void> {
    let results: RecordedEvent[];
    try {
      results = await this.atOnce!.storeAndApply(batch.map((w) => w.event));
    } catch {
      // Nothing of it was stored: stored (not applied) the usual way, each with its own answer.
      return this.commit(batch);
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }

  private async alone(w: Waiting): Promise<void> {
    try {
      w.resolve(await this.writer.record(w.event));
    } catch (err) {
      w.reject(err);
    }
  }
}
