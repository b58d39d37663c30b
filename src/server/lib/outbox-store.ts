import { OUTBOX_STATES, OUTBOX_TABLE, PENDING_STATES, type OutboxEventType, type OutboxState } from './constants.ts';
import type { GlideAggregateFactory, GlideRecordFactory, GlideRecordLike } from './glide-interfaces.ts';

/** One row of x_incident_io_outbound_event, as plain values. Date-times are `YYYY-MM-DD HH:MM:SS` UTC. */
export interface OutboxEvent {
  sys_id: string;
  event_id: string;
  event_type: OutboxEventType;
  incident_sys_id: string;
  incident_number: string;
  sequence: number;
  order_key: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: string;
  last_attempt_at: string;
  last_http_status: number;
  last_error: string;
  delivered_at: string;
  payload: string;
  sys_created_on: string;
}

export type NewOutboxEvent = Pick<
  OutboxEvent,
  'event_id' | 'event_type' | 'incident_sys_id' | 'incident_number' | 'sequence' | 'order_key' | 'payload' | 'next_attempt_at'
>;

export type OutboxChanges = Partial<
  Pick<OutboxEvent, 'state' | 'attempts' | 'next_attempt_at' | 'last_attempt_at' | 'last_http_status' | 'last_error' | 'delivered_at' | 'payload'>
>;

/** Which events POST /resend puts back in the queue. */
export type RequeueFilter = { incident: string } | { since: string };

/** The outbox, behind the few operations the app performs on it. */
export interface OutboxStore {
  insert(event: NewOutboxEvent): string;
  get(sysId: string): OutboxEvent | null;
  update(sysId: string, changes: OutboxChanges): void;
  /** The incident's undelivered (queued, sending, failed) events in delivery order. */
  pendingForIncident(incidentSysId: string, limit: number): OutboxEvent[];
  /**
   * Incidents having a queued or failed event due at or before `now`, oldest order first, from the
   * first `limit` such events; `exclude`d incidents (ones that cannot move now) are left out in the
   * query, so their queues never hide another incident's events behind the limit.
   */
  incidentsWithDueEvents(now: string, limit: number, exclude?: string[]): string[];
  /** Events stuck in `sending` since before `before` (a worker died mid-delivery). */
  staleSending(before: string, limit: number): OutboxEvent[];
  /** Deletes delivered events delivered before `before`; returns how many. */
  purgeDelivered(before: string): number;
  countsByState(): { [state: string]: number };
  oldestPending(): OutboxEvent | null;
  lastAttempted(): OutboxEvent | null;
  /** The most recently queued event of a type (the last test event, for the Status page). */
  latestOfType(type: OutboxEventType): OutboxEvent | null;
  /** Puts matching events that are not already queued or sending back in the queue; returns how many. */
  requeue(filter: RequeueFilter, now: string): number;
  /** Marks every undelivered (queued, sending, failed) event dead with `error`, so none is sent; returns how many. */
  discardPending(error: string): number;
}

function int(raw: string | null): number {
  const n = parseInt(raw || '0', 10);
  return isNaN(n) ? 0 : n;
}

function read(gr: GlideRecordLike): OutboxEvent {
  const v = (field: string) => gr.getValue(field) || '';
  return {
    sys_id: gr.getUniqueValue(),
    event_id: v('event_id'),
    event_type: v('event_type') as OutboxEventType,
    incident_sys_id: v('incident_sys_id'),
    incident_number: v('incident_number'),
    sequence: int(gr.getValue('sequence')),
    order_key: v('order_key'),
    state: v('state') as OutboxState,
    attempts: int(gr.getValue('attempts')),
    next_attempt_at: v('next_attempt_at'),
    last_attempt_at: v('last_attempt_at'),
    last_http_status: int(gr.getValue('last_http_status')),
    last_error: v('last_error'),
    delivered_at: v('delivered_at'),
    payload: v('payload'),
    sys_created_on: v('sys_created_on'),
  };
}

function isSysId(text: string): boolean {
  return /^[0-9a-f]{32}$/.test(text);
}

export function glideOutboxStore(newRecord: GlideRecordFactory, newAggregate: GlideAggregateFactory): OutboxStore {
  const table = () => newRecord(OUTBOX_TABLE);
  // A record still positioned on the row it last read or wrote: a delivery updates an event twice
  // (sending, then its outcome), and neither update needs a read of its own when the event is the
  // last row of the query that found it (most often the only one) or the row the first update wrote.
  let positioned: GlideRecordLike | null = null;

  function collect(gr: GlideRecordLike): OutboxEvent[] {
    const rows: OutboxEvent[] = [];
    gr.query();
    while (gr.next()) rows.push(read(gr));
    return rows;
  }

  /** As collect, leaving the record positioned on the last row (hasNext() says which is the last). */
  function collectPositioned(gr: GlideRecordLike): OutboxEvent[] {
    const rows: OutboxEvent[] = [];
    positioned = null;
    gr.query();
    while (gr.next()) {
      rows.push(read(gr));
      if (!gr.hasNext()) {
        positioned = gr;
        break;
      }
    }
    return rows;
  }

  function pendingQuery(incidentSysId: string, limit: number): GlideRecordLike {
    const gr = table();
    gr.addQuery('incident_sys_id', incidentSysId);
    gr.addQuery('state', 'IN', PENDING_STATES.join(','));
    gr.orderBy('order_key');
    gr.setLimit(limit);
    return gr;
  }

  return {
    insert(event) {
      const gr = table();
      gr.initialize();
      gr.setValue('event_id', event.event_id);
      gr.setValue('event_type', event.event_type);
      // A test event (ping) has no incident: its incident_sys_id is only its delivery-order key.
      if (isSysId(event.incident_sys_id)) gr.setValue('incident', event.incident_sys_id);
      gr.setValue('incident_sys_id', event.incident_sys_id);
      gr.setValue('incident_number', event.incident_number);
      gr.setValue('sequence', event.sequence);
      gr.setValue('order_key', event.order_key);
      gr.setValue('payload', event.payload);
      gr.setValue('state', 'queued');
      gr.setValue('attempts', 0);
      gr.setValue('next_attempt_at', event.next_attempt_at);
      return gr.insert() || '';
    },

    get(sysId) {
      const gr = table();
      return gr.get(sysId) ? read(gr) : null;
    },

    update(sysId, changes) {
      let gr = positioned !== null && positioned.getUniqueValue() === sysId ? positioned : null;
      positioned = null;
      if (gr === null) {
        gr = table();
        if (!gr.get(sysId)) return;
      }
      for (const field of Object.keys(changes)) {
        gr.setValue(field, (changes as { [k: string]: unknown })[field]);
      }
      if (gr.update()) positioned = gr;
    },

    pendingForIncident(incidentSysId, limit) {
      return collectPositioned(pendingQuery(incidentSysId, limit));
    },

    incidentsWithDueEvents(now, limit, exclude = []) {
      const gr = table();
      gr.addQuery('state', 'IN', 'queued,failed');
      gr.addQuery('next_attempt_at', '<=', now);
      if (exclude.length > 0) gr.addQuery('incident_sys_id', 'NOT IN', exclude.join(','));
      gr.orderBy('order_key');
      gr.setLimit(limit);
      const ids: string[] = [];
      for (const event of collect(gr)) {
        if (ids.indexOf(event.incident_sys_id) < 0) ids.push(event.incident_sys_id);
      }
      return ids;
    },

    staleSending(before, limit) {
      const gr = table();
      gr.addQuery('state', 'sending');
      gr.addQuery('last_attempt_at', '<', before);
      gr.setLimit(limit);
      return collect(gr);
    },

    purgeDelivered(before) {
      const gr = table();
      gr.addQuery('state', 'delivered');
      gr.addQuery('delivered_at', '<', before);
      gr.query();
      let purged = 0;
      while (gr.next()) {
        if (gr.deleteRecord()) purged++;
      }
      return purged;
    },

    /** One GlideAggregate query counted in the database (getRowCount() would read every row). */
    countsByState() {
      const counts: { [state: string]: number } = {};
      for (const state of OUTBOX_STATES) counts[state] = 0;
      const ga = newAggregate(OUTBOX_TABLE);
      ga.addAggregate('COUNT');
      ga.groupBy('state');
      ga.query();
      while (ga.next()) {
        const state = ga.getValue('state') || '';
        if (state in counts) counts[state] = int(ga.getAggregate('COUNT'));
      }
      return counts;
    },

    oldestPending() {
      const gr = table();
      gr.addQuery('state', 'IN', PENDING_STATES.join(','));
      gr.orderBy('sys_created_on');
      gr.setLimit(1);
      return collect(gr)[0] || null;
    },

    lastAttempted() {
      const gr = table();
      gr.addEncodedQuery('last_attempt_atISNOTEMPTY');
      gr.orderByDesc('last_attempt_at');
      gr.setLimit(1);
      return collect(gr)[0] || null;
    },

    latestOfType(type) {
      const gr = table();
      gr.addQuery('event_type', type);
      gr.orderByDesc('order_key');
      gr.setLimit(1);
      return collect(gr)[0] || null;
    },

    requeue(filter, now) {
      const gr = table();
      if ('incident' in filter) {
        gr.addQuery(isSysId(filter.incident) ? 'incident_sys_id' : 'incident_number', filter.incident);
      } else {
        gr.addQuery('sys_created_on', '>=', filter.since);
      }
      gr.addQuery('state', 'IN', 'delivered,failed,dead');
      gr.orderBy('order_key');
      gr.query();
      let requeued = 0;
      while (gr.next()) {
        gr.setValue('state', 'queued');
        gr.setValue('attempts', 0);
        gr.setValue('next_attempt_at', now);
        gr.setValue('last_error', '');
        gr.update();
        requeued++;
      }
      return requeued;
    },

    discardPending(error) {
      const gr = table();
      gr.addQuery('state', 'IN', PENDING_STATES.join(','));
      gr.query();
      let discarded = 0;
      while (gr.next()) {
        gr.setValue('state', 'dead');
        gr.setValue('last_error', error);
        gr.update();
        discarded++;
      }
      return discarded;
    },
  };
}
