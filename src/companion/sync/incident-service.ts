import { randomUUID } from 'node:crypto';
import type { CompanionStore, Connection } from '../store';
import type {
  IncidentAttributes,
  FieldChange,
  IncidentLink,
  IncidentStatus,
  IncidentValues,
  OutboundOp,
  StoredIncident,
  SyncedField,
  SyncRepositories,
  TimelineUpdate,
  JournalVisibility,
} from '../store/sync-store';
import { DEFAULT_ATTRIBUTES, SYNCED_FIELDS } from '../store/sync-store';
import type { IncidentAttachment } from '../store/attachment-store';
import { canCoalesceInto, mergeFieldChanges, type FieldChanges } from './coalesce';
import type { ConnectionRegistry } from './connection-registry';
import { ConcurrentChangeError, retryOnConflict, SyncApiError } from './errors';
import type { SyncMapping } from './mapping';
import { chooseTemplate } from './ticket-templates';

/**
 * The incident.io side: declaring, changing and commenting on incidents. Every change is written
 * with its outbound write (create, coalesced update, work note) in one transaction, so a change
 * that is saved always reaches ServiceNow eventually, in the order it was made.
 */

export interface DeclareInput extends IncidentValues, Partial<IncidentAttributes> {
  /** The connection's name; optional when exactly one connection is stored. */
  connection?: string;
}

export interface TimelineInput {
  message: string;
  author?: string | null;
  /** What it becomes in ServiceNow (default: a work note). */
  visibility?: JournalVisibility;
}

export interface IncidentDetails {
  incident: StoredIncident;
  connection: Pick<Connection, 'name' | 'instanceUrl'> | null;
  link: IncidentLink | null;
  /** Files attached in ServiceNow (with the updates). */
  attachments?: IncidentAttachment[];
  /** Writes to ServiceNow not made yet, and writes ServiceNow refused (see the timeline). */
  pendingWrites: number;
  deadWrites: number;
  updates?: TimelineUpdate[];
}

export interface IncidentServiceDeps {
  store: CompanionStore;
  registry: ConnectionRegistry;
  /** Its ticket templates decide which incidents get a ServiceNow ticket. Default: none (every incident gets one). */
  mapping?: Pick<SyncMapping, 'templates' | 'noMatchTemplate'>;
  clock: () => Date;
  /** Called after a write to ServiceNow was queued (wakes the outbound worker). */
  onQueued: () => void;
}

const REFERENCE = /^INC-(\d{1,9})$/i;

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function valueText(field: SyncedField, values: Partial<IncidentValues>): string | null {
  const value = values[field];
  return value === undefined || value === null ? null : String(value);
}

/** The queued field changes, with what they were based on (the ServiceNow version the link reflected, the incident version they made). */
function fieldChanges(values: Partial<IncidentValues>, fields: readonly SyncedField[], at: Date, basis: FieldChange['basis']): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of fields) changes[field] = { value: valueText(field, values), changedAt: at.toISOString(), ...(basis ? { basis } : {}) };
  return changes;
}

const ATTRIBUTES = ['private', 'type', 'customFields'] as const satisfies ReadonlyArray<keyof IncidentAttributes>;

/** Whether two attribute values are the same (custom fields compared as JSON). */
function sameAttribute(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export type IncidentInput = Partial<IncidentValues & IncidentAttributes>;

function openState(op: OutboundOp): boolean {
  return op.state === 'pending' || op.state === 'sending';
}

/** An incident by id or reference (`INC-12`, any case); a 404 SyncApiError when there is none. */
export async function findIncident(repos: SyncRepositories, idOrReference: string): Promise<StoredIncident> {
  const match = REFERENCE.exec(idOrReference.trim());
  const found = match ? await repos.incidents.getIncidentByReference(Number(match[1])) : await repos.incidents.getIncident(idOrReference.trim());
  if (!found) throw new SyncApiError(404, 'not_found', `No incident ${JSON.stringify(idOrReference.slice(0, 80))}.`);
  return found;
}

export class IncidentService {
  private readonly templates: Pick<SyncMapping, 'templates' | 'noMatchTemplate'>;

  constructor(private readonly deps: IncidentServiceDeps) {
    this.templates = deps.mapping ?? { templates: [], noMatchTemplate: null };
  }

  private get sync() {
    return this.deps.store.sync;
  }

  async declare(input: DeclareInput): Promise<IncidentDetails> {
    const connection = await this.chooseConnection(input.connection);
    const now = this.deps.clock();
    const id = await this.sync.transaction(async (tx) => {
      const incidentId = randomUUID();
      const referenceNumber = await tx.incidents.nextReferenceNumber();
      const values: IncidentValues = { name: input.name, summary: input.summary, status: input.status, severity: input.severity, lead: input.lead };
      const attributes: IncidentAttributes = {
        private: input.private ?? DEFAULT_ATTRIBUTES.private,
        type: input.type ?? DEFAULT_ATTRIBUTES.type,
        customFields: input.customFields ?? DEFAULT_ATTRIBUTES.customFields,
      };
      const ticket = chooseTemplate(this.templates.templates, this.templates.noMatchTemplate, { ...values, ...attributes });
      await tx.incidents.insertIncident({
        id: incidentId,
        referenceNumber,
        connectionId: connection.id,
        ...values,
        ...attributes,
        exported: ticket.export,
        template: ticket.export ? (ticket.template?.name ?? null) : null,
        createdAt: now,
        updatedAt: now,
      });
      if (!ticket.export) return { id: incidentId, queued: false };
      await tx.outbound.enqueue({ incidentId, connectionId: connection.id, kind: 'create', payload: { fields: fieldChanges(values, SYNCED_FIELDS, now, { serviceNowModCount: -1, incidentVersion: 1 }) }, createdAt: now });
      return { id: incidentId, queued: true };
    });
    if (id.queued) this.deps.onQueued();
    return (await this.details(id.id))!;
  }

  async update(idOrReference: string, changes: IncidentInput): Promise<IncidentDetails> {
    const key = async () => (await this.find(this.sync, idOrReference)).id;
    const queued = await retryOnConflict(() =>
      this.sync.transaction(async (tx) => {
        const incident = await this.find(tx, idOrReference);
        // A field set to the value it already has is queued too, with this time: a ServiceNow change to
        // it may be on its way (a push waiting in the app's outbox, or not yet applied), and this
        // person's change is later than that one (docs/sync.md, versioned writes). When ServiceNow
        // holds the value already, the write sends nothing.
        const changed = SYNCED_FIELDS.filter((f) => changes[f] !== undefined && changes[f] !== incident[f]);
        const reasserted = SYNCED_FIELDS.filter((f) => changes[f] !== undefined && changes[f] === incident[f]);
        const attributes = ATTRIBUTES.filter((a) => changes[a] !== undefined && !sameAttribute(changes[a], incident[a]));
        const given = [...changed, ...reasserted];
        if (given.length === 0 && attributes.length === 0) return { id: incident.id, queued: false };
        const now = this.deps.clock();
        const values = Object.fromEntries(given.map((f) => [f, changes[f]])) as Partial<IncidentValues>;
        let version = incident.version;
        if (changed.length > 0 || attributes.length > 0) {
          const stored = Object.fromEntries([...changed, ...attributes].map((f) => [f, changes[f]]));
          if (!(await tx.incidents.updateIncident(incident.id, incident.version, stored, now))) {
            throw new ConcurrentChangeError(`incident ${incident.reference}`);
          }
          version += 1;
        }
        if (!incident.exported) return { id: incident.id, queued: await this.exportIfMatching(tx, { ...incident, ...stripUndefined(changes), version }, now) };
        if (given.length === 0 || !(await this.syncs(tx, incident))) return { id: incident.id, queued: false };
        const link = await tx.incidents.getLink(incident.id);
        const incoming = fieldChanges(values, given, now, { serviceNowModCount: link?.lastAppliedModCount ?? -1, incidentVersion: version });
        const tail = await tx.outbound.tail(incident.id);
        if (tail && canCoalesceInto(tail)) {
          const merged = { ...tail.payload, fields: mergeFieldChanges(tail.payload.fields ?? {}, incoming) };
          if (await tx.outbound.replacePendingPayload(tail.id, merged, now)) return { id: incident.id, queued: true };
        }
        await tx.outbound.enqueue({ incidentId: incident.id, connectionId: incident.connectionId!, kind: 'update', payload: { fields: incoming }, createdAt: now });
        return { id: incident.id, queued: true };
      }, { incident: key }),
    );
    if (queued.queued) this.deps.onQueued();
    return (await this.details(queued.id))!;
  }

  /**
   * An incident without a ticket that a template matches now (its severity was raised, say) gets
   * its ticket: a create with every synced field, as at declaration. False when none matches yet.
   */
  private async exportIfMatching(tx: SyncRepositories, incident: StoredIncident, now: Date): Promise<boolean> {
    if (!incident.connectionId) return false;
    const ticket = chooseTemplate(this.templates.templates, this.templates.noMatchTemplate, incident);
    if (!ticket.export) return false;
    if (!(await tx.incidents.updateIncident(incident.id, incident.version, { exported: true, template: ticket.template?.name ?? null }, now))) {
      throw new ConcurrentChangeError(`incident ${incident.reference}`);
    }
    const fields = fieldChanges(incident, SYNCED_FIELDS, now, { serviceNowModCount: -1, incidentVersion: incident.version + 1 });
    await tx.outbound.enqueue({ incidentId: incident.id, connectionId: incident.connectionId, kind: 'create', payload: { fields }, createdAt: now });
    return true;
  }

  async addUpdate(idOrReference: string, input: TimelineInput): Promise<TimelineUpdate> {
    const key = async () => (await this.find(this.sync, idOrReference)).id;
    const result = await this.sync.transaction(async (tx) => {
      const incident = await this.find(tx, idOrReference);
      const now = this.deps.clock();
      const update: TimelineUpdate = {
        id: randomUUID(),
        incidentId: incident.id,
        source: 'incident.io',
        kind: 'update',
        author: input.author ?? null,
        message: input.message,
        journalSysId: null,
        occurredAt: now,
        createdAt: now,
        visibility: input.visibility ?? 'work_note',
      };
      await tx.incidents.insertUpdate(update);
      const queued = await this.syncs(tx, incident);
      if (queued) {
        const body = input.author ? `${input.message}\n\n(${input.author} in incident.io, ${incident.reference})` : input.message;
        await tx.outbound.enqueue({ incidentId: incident.id, connectionId: incident.connectionId!, kind: 'note', payload: { note: { updateId: update.id, body, visibility: update.visibility! } }, createdAt: now });
      }
      return { update, queued };
    }, { incident: key });
    if (result.queued) this.deps.onQueued();
    return result.update;
  }

  async get(idOrReference: string, options: { withUpdates?: boolean } = {}): Promise<IncidentDetails> {
    const incident = await this.find(this.sync, idOrReference);
    return (await this.details(incident.id, options))!;
  }

  async list(options: { limit: number; offset: number; status?: IncidentStatus }): Promise<IncidentDetails[]> {
    const incidents = await this.sync.incidents.listIncidents(options);
    const out: IncidentDetails[] = [];
    for (const incident of incidents) out.push((await this.details(incident.id))!);
    return out;
  }

  private async details(id: string, options: { withUpdates?: boolean } = {}): Promise<IncidentDetails | undefined> {
    // The writes before the incident and its link: a write's answer is stored in the transaction
    // that marks it done, so what is read after them is at least as new as every write they show
    // done ("no write pending" never comes with the link from before the last write).
    const ops = await this.sync.outbound.listForIncident(id);
    const incident = await this.sync.incidents.getIncident(id);
    if (!incident) return undefined;
    const link = (await this.sync.incidents.getLink(id)) ?? null;
    const connection = incident.connectionId ? await this.deps.registry.byId(incident.connectionId) : undefined;
    const details: IncidentDetails = {
      incident,
      connection: connection ? { name: connection.name, instanceUrl: connection.instanceUrl } : null,
      link,
      pendingWrites: ops.filter(openState).length,
      deadWrites: ops.filter((op) => op.state === 'dead').length,
    };
    if (options.withUpdates) {
      details.updates = await this.sync.incidents.listUpdates(id);
      details.attachments = await this.sync.attachments.listForIncident(id);
    }
    return details;
  }

  /**
   * A file attached to the incident in ServiceNow, with its bytes when they are served (a stored
   * image); a 404 SyncApiError when the incident has no such file, and when it is listed only (the
   * message says why: too large, not an image).
   */
  async getAttachment(idOrReference: string, attachmentId: string): Promise<{ attachment: IncidentAttachment; data: Buffer; contentType: string }> {
    const incident = await this.find(this.sync, idOrReference);
    const found = await this.sync.attachments.get(incident.id, attachmentId.trim());
    if (!found) throw new SyncApiError(404, 'not_found', `Incident ${incident.reference} has no attachment ${JSON.stringify(attachmentId.slice(0, 80))}.`);
    if (found.attachment.status !== 'stored' || !found.data || !found.attachment.contentType) {
      throw new SyncApiError(404, 'attachment_not_served', `${found.attachment.fileName} is listed, not served: ${found.attachment.reason ?? 'its bytes were not kept'}. Open it in ServiceNow: ${found.attachment.link}`, {
        status: found.attachment.status,
        servicenow_url: found.attachment.link,
      });
    }
    return { attachment: found.attachment, data: found.data, contentType: found.attachment.contentType };
  }

  /** Whether changes to this incident are written to ServiceNow (it has a connection, a ticket, and its record was not deleted). */
  private async syncs(tx: SyncRepositories, incident: StoredIncident): Promise<boolean> {
    if (!incident.connectionId || !incident.exported) return false;
    const link = await tx.incidents.getLink(incident.id);
    return !link || link.state === 'active';
  }

  private find(repos: SyncRepositories, idOrReference: string): Promise<StoredIncident> {
    return findIncident(repos, idOrReference);
  }

  private async chooseConnection(name: string | undefined): Promise<Connection> {
    // Connect may have stored a connection a moment ago: a declaration reads them afresh.
    this.deps.registry.invalidate();
    if (name !== undefined) {
      const found = await this.deps.registry.byName(name);
      if (!found) {
        const names = (await this.deps.registry.all()).map((c) => c.name);
        throw new SyncApiError(422, 'unknown_connection', `No connection named "${name.slice(0, 63)}".`, { connections: names });
      }
      return found;
    }
    const all = await this.deps.registry.all();
    if (all.length === 1) return all[0]!;
    if (all.length === 0) {
      throw new SyncApiError(409, 'no_connection', 'No ServiceNow connection is stored: run incident-sn connect first.');
    }
    throw new SyncApiError(400, 'connection_required', `${all.length} connections are stored: say which with "connection".`, {
      connections: all.map((c) => c.name).sort(),
    });
  }
}
