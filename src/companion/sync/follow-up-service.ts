import { randomUUID } from 'node:crypto';
import type { CompanionStore } from '../store';
import type { FollowUp, FollowUpStatus, FollowUpValues } from '../store/follow-up-store';
import type { OutboundOp, OutboundPayload, StoredIncident, SyncRepositories } from '../store/sync-store';
import { retryOnConflict, ConcurrentChangeError, SyncApiError } from './errors';
import { findIncident } from './incident-service';

/**
 * Follow-ups (incident.io's side). Each change is stored with its write to ServiceNow in one
 * transaction, queued in the incident's lane of the outbound queue (after the incident's create:
 * a follow-up's record needs its parent), so none is lost or made twice.
 */

export interface FollowUpInput {
  title: string;
  description: string;
  assignee: string | null;
}

export type FollowUpChanges = Partial<FollowUpValues>;

export interface FollowUpDetails {
  followUp: FollowUp;
  /** Writes of this follow-up not made yet, and refused for good. */
  pendingWrites: number;
  deadWrites: number;
}

export interface FollowUpServiceDeps {
  store: CompanionStore;
  clock: () => Date;
  onQueued: () => void;
}

function isOpen(op: OutboundOp): boolean {
  return op.state === 'pending' || op.state === 'sending';
}

export class FollowUpService {
  constructor(private readonly deps: FollowUpServiceDeps) {}

  private get sync() {
    return this.deps.store.sync;
  }

  async create(incidentIdOrReference: string, input: FollowUpInput): Promise<FollowUpDetails> {
    const key = async () => (await findIncident(this.sync, incidentIdOrReference)).id;
    const result = await this.sync.transaction(async (tx) => {
      const incident = await findIncident(tx, incidentIdOrReference);
      const now = this.deps.clock();
      const followUp = await tx.followUps.insert({
        id: randomUUID(),
        incidentId: incident.id,
        connectionId: incident.connectionId,
        title: input.title,
        description: input.description,
        assignee: input.assignee,
        status: 'outstanding',
        createdAt: now,
        updatedAt: now,
      });
      const queued = await this.queue(tx, incident, { followUp: { id: followUp.id, fields: { title: input.title, description: input.description, assignee: input.assignee } } }, now);
      return { followUp, queued };
    }, { incident: key });
    if (result.queued) this.deps.onQueued();
    return this.details(result.followUp.id);
  }

  async update(incidentIdOrReference: string, followUpId: string, changes: FollowUpChanges): Promise<FollowUpDetails> {
    const key = async () => (await findIncident(this.sync, incidentIdOrReference)).id;
    const queued = await retryOnConflict(() =>
      this.sync.transaction(async (tx) => {
        const incident = await findIncident(tx, incidentIdOrReference);
        const followUp = await this.find(tx, incident, followUpId);
        const now = this.deps.clock();
        if (!(await tx.followUps.update(followUp.id, followUp.version, changes, now))) throw new ConcurrentChangeError(`follow-up ${followUp.id}`);
        const fields: NonNullable<OutboundPayload['followUp']>['fields'] = {};
        if (changes.title !== undefined) fields.title = changes.title;
        if (changes.description !== undefined) fields.description = changes.description;
        if (changes.assignee !== undefined) fields.assignee = changes.assignee;
        const status: FollowUpStatus | undefined = changes.status;
        return this.queue(tx, incident, { followUp: { id: followUp.id, fields, ...(status ? { status } : {}) } }, now);
      }, { incident: key }),
    );
    if (queued) this.deps.onQueued();
    return this.details(followUpId);
  }

  async list(incidentIdOrReference: string): Promise<FollowUpDetails[]> {
    const incident = await findIncident(this.sync, incidentIdOrReference);
    // The writes first (see withWrites).
    const ops = await this.sync.outbound.listForIncident(incident.id);
    const followUps = await this.sync.followUps.listForIncident(incident.id);
    return followUps.map((f) => this.withWrites(f, ops));
  }

  async get(incidentIdOrReference: string, followUpId: string): Promise<FollowUpDetails> {
    const incident = await findIncident(this.sync, incidentIdOrReference);
    const ops = await this.sync.outbound.listForIncident(incident.id);
    return this.withWrites(await this.find(this.sync, incident, followUpId), ops);
  }

  private async details(followUpId: string): Promise<FollowUpDetails> {
    const { incidentId } = (await this.sync.followUps.get(followUpId))!;
    const ops = await this.sync.outbound.listForIncident(incidentId);
    return this.withWrites((await this.sync.followUps.get(followUpId))!, ops);
  }

  /**
   * The follow-up with its open and dead writes. `ops` must be read before `followUp`: a write's
   * record is stored in the transaction that marks it done, so a follow-up read after the writes is
   * at least as new as every write they show done ("no write pending" never comes with the record
   * from before the last write). Read the other way round, a write recorded between the two reads
   * showed as done beside the old record.
   */
  private withWrites(followUp: FollowUp, ops: OutboundOp[]): FollowUpDetails {
    const mine = ops.filter((o) => o.kind === 'follow_up' && o.payload.followUp?.id === followUp.id);
    return { followUp, pendingWrites: mine.filter(isOpen).length, deadWrites: mine.filter((o) => o.state === 'dead').length };
  }

  /** Queues the follow-up's write when the incident is synced (it has a connection and its record was not deleted). */
  private async queue(tx: SyncRepositories, incident: StoredIncident, payload: OutboundPayload, now: Date): Promise<boolean> {
    if (!incident.connectionId) return false;
    const link = await tx.incidents.getLink(incident.id);
    if (link && link.state !== 'active') return false;
    await tx.outbound.enqueue({ incidentId: incident.id, connectionId: incident.connectionId, kind: 'follow_up', payload, createdAt: now });
    return true;
  }

  private async find(repos: SyncRepositories, incident: StoredIncident, followUpId: string): Promise<FollowUp> {
    const followUp = await repos.followUps.get(followUpId.trim());
    if (!followUp || followUp.incidentId !== incident.id) {
      throw new SyncApiError(404, 'not_found', `No follow-up ${JSON.stringify(followUpId.slice(0, 80))} on ${incident.reference}.`);
    }
    return followUp;
  }
}
