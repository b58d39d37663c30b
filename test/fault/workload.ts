import { api, apiRequest, ITIL, outbox, outboxBacklog, sn, snRequest, type Json, type Setup } from './harness';
import { waitFor } from '../helpers/wait-for';

/**
 * People changing incidents on both sides, and the record of who wrote what and when, to check the
 * end state against. incident.io's responders use the companion's incident API; ServiceNow's ITIL
 * user uses the Table API. Each change is recorded when its answer arrives.
 *
 * "The value written last by a person" must be well defined: the conflict rule compares
 * incident.io's change time with ServiceNow's `sys_updated_on` in whole seconds (a tie goes to
 * incident.io). So the workload never writes a field from one side within `crossSideGapMs` of the
 * other side's last write to it (the ordering is then unambiguous); same-side writes follow each
 * other freely. Everything else (concurrent changes to other fields and notes, crashes while a
 * write is in flight, a ServiceNow change arriving while an older incident.io write is queued) is
 * what the scenarios exercise.
 */

export type Side = 'incident.io' | 'servicenow';
export type Field = 'name' | 'summary' | 'severity' | 'status';
const FIELDS: Field[] = ['name', 'summary', 'severity', 'status'];
/** How often, and how long apart, an incident.io request that may not have been processed is sent again. */
const RESENDS = 5;
const RESEND_DELAY_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The default mapping (docs/sync.md), as far as this workload uses it. */
const SEVERITY_PRIORITY: Record<string, string> = { critical: '1', major: '2', minor: '3' };
const SEVERITY_IMPACT_URGENCY: Record<string, [string, string]> = { critical: ['1', '1'], major: ['1', '2'], minor: ['2', '2'] };
const STATUS_STATE: Record<string, string> = { investigating: '2', fixing: '2', monitoring: '2', resolved: '6' };
const OPEN_STATUSES = new Set(['triage', 'investigating', 'fixing', 'monitoring']);
const IIO_STATUSES = ['investigating', 'fixing', 'monitoring', 'resolved'];

export interface Write {
  incident: number;
  field: Field;
  side: Side;
  /** incident.io: the value; ServiceNow: the severity or status it means (the record gets impact/urgency, state). */
  value: string;
  at: number;
}

export interface Note {
  incident: number;
  side: Side;
  token: string;
  at: number;
}

export interface Tracked {
  index: number;
  id: string;
  sysId: string;
  busy: boolean;
  last: Partial<Record<Field, Write>>;
  initial: Record<Field, string>;
}

export interface Verdict {
  changes: number;
  lost: number;
  duplicated: number;
  diverged: number;
  reverted: number;
  /** One line per problem found, for the failure message. */
  problems: string[];
}

export class Workload {
  readonly incidents: Tracked[] = [];
  readonly writes: Write[] = [];
  readonly notes: Note[] = [];
  private seq = 0;
  /** incident.io API calls on their way (a crash must not cut one: its outcome would be unknown). */
  incidentIoInFlight = 0;
  /** Failed attempts to change something (the change was not made, so not recorded). */
  readonly refused: string[] = [];
  /** ServiceNow PATCHes that set values the record already had (the field's, or all of them): ServiceNow wrote nothing to it, so no write is recorded. */
  unchangedSets = 0;

  constructor(
    private readonly setup: Setup,
    private readonly label: string,
    private readonly crossSideGapMs = 2_500,
  ) {}

  get changes(): number {
    return this.writes.length + this.notes.length;
  }

  /** Declares `count` incidents in incident.io and waits until each is linked to its ServiceNow record. */
  async declare(count: number): Promise<void> {
    const declared: Json[] = [];
    for (let i = 0; i < count; i++) {
      const initial = { name: `${this.label} incident ${i}`, summary: `${this.label} summary ${i}`, severity: 'minor', status: 'investigating' };
      declared.push(await api(this.setup, 'POST', '/api/incidents', initial));
      this.incidents.push({ index: i, id: declared[i].id, sysId: '', busy: false, last: {}, initial });
    }
    for (const tracked of this.incidents) {
      const view = await waitFor(async () => (await api(this.setup, 'GET', `/api/incidents/${tracked.id}`)).servicenow, {
        timeoutMs: 60_000,
        intervalMs: 100,
        message: `incident ${tracked.index} to be linked`,
      });
      tracked.sysId = view.sys_id;
    }
  }

  private token(side: Side): string {
    this.seq += 1;
    return `${this.label}-${side === 'incident.io' ? 'iio' : 'sn'}-${this.seq}`;
  }

  /** A field of this incident that `side` may write now (see the class comment), or null. */
  private writableField(tracked: Tracked, side: Side, random: () => number): Field | null {
    const now = Date.now();
    const candidates = FIELDS.filter((f) => {
      const last = tracked.last[f];
      return !last || last.side === side || now - last.at >= this.crossSideGapMs;
    });
    return candidates.length === 0 ? null : candidates[Math.floor(random() * candidates.length)]!;
  }

  /**
   * Makes one random change to a random idle incident: a field (name, summary, severity, status) or
   * a note (a timeline update in incident.io; a comment or work note in ServiceNow), on a side that
   * is up (both by default). Returns false when no incident was idle.
   */
  async changeOne(random: () => number, sides: { incidentIo: boolean; serviceNow: boolean } = { incidentIo: true, serviceNow: true }): Promise<boolean> {
    const idle = this.incidents.filter((t) => !t.busy);
    if (idle.length === 0 || (!sides.incidentIo && !sides.serviceNow)) return false;
    const tracked = idle[Math.floor(random() * idle.length)]!;
    tracked.busy = true;
    try {
      const side: Side = sides.incidentIo && (!sides.serviceNow || random() < 0.5) ? 'incident.io' : 'servicenow';
      const field = random() < 0.65 ? this.writableField(tracked, side, random) : null;
      if (side === 'incident.io') {
        this.incidentIoInFlight += 1;
        try {
          if (field) await this.writeIncidentIo(tracked, field, random);
          else await this.noteIncidentIo(tracked);
        } finally {
          this.incidentIoInFlight -= 1;
        }
      } else if (field) await this.writeServiceNow(tracked, field, random);
      else await this.noteServiceNow(tracked, random);
    } finally {
      tracked.busy = false;
    }
    return true;
  }

  private async timelineHas(tracked: Tracked, token: string): Promise<boolean> {
    const found = await apiRequest(this.setup, 'GET', `/api/incidents/${tracked.id}`);
    return found.status === 200 && JSON.stringify(found.body).includes(token);
  }

  private async writeIncidentIo(tracked: Tracked, field: Field, random: () => number): Promise<void> {
    let value: string;
    if (field === 'name' || field === 'summary') value = `${this.token('incident.io')} ${field}`;
    else if (field === 'severity') value = pick(['critical', 'major', 'minor'], random);
    else value = pick(IIO_STATUSES, random);
    // Sent again, as a client does, when the request may not have been processed: a replica killed
    // mid-request (the proxy's 502) or a change that lost every retry (503). Setting the same value
    // again is safe whatever the first attempt did, and the write counts from the answer that took it.
    let answer = await apiRequest(this.setup, 'PATCH', `/api/incidents/${tracked.id}`, { [field]: value });
    for (let again = 0; (answer.status === 502 || answer.status === 503) && again < RESENDS; again++) {
      await sleep(RESEND_DELAY_MS);
      answer = await apiRequest(this.setup, 'PATCH', `/api/incidents/${tracked.id}`, { [field]: value });
    }
    if (answer.status !== 200) {
      this.refused.push(`incident.io PATCH ${field} of ${tracked.index}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    this.record({ incident: tracked.index, field, side: 'incident.io', value, at: Date.now() });
  }

  private async noteIncidentIo(tracked: Tracked): Promise<void> {
    const token = this.token('incident.io');
    let answer = await apiRequest(this.setup, 'POST', `/api/incidents/${tracked.id}/updates`, { message: `Timeline ${token}`, author: 'Responder' });
    // A note is not idempotent: after a 502 (the replica died mid-request) the client looks before it sends again.
    for (let again = 0; (answer.status === 502 || answer.status === 503) && again < RESENDS; again++) {
      await sleep(RESEND_DELAY_MS);
      if (answer.status === 502 && (await this.timelineHas(tracked, token))) {
        answer = { ...answer, status: 201 };
        break;
      }
      answer = await apiRequest(this.setup, 'POST', `/api/incidents/${tracked.id}/updates`, { message: `Timeline ${token}`, author: 'Responder' });
    }
    if (answer.status !== 201) {
      this.refused.push(`incident.io update on ${tracked.index}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    this.notes.push({ incident: tracked.index, side: 'incident.io', token, at: Date.now() });
  }

  private async writeServiceNow(tracked: Tracked, field: Field, random: () => number): Promise<void> {
    let body: Record<string, string>;
    let value: string;
    if (field === 'name' || field === 'summary') {
      value = `${this.token('servicenow')} ${field}`;
      body = { [field === 'name' ? 'short_description' : 'description']: value };
    } else if (field === 'severity') {
      value = pick(['critical', 'major', 'minor'], random);
      const [impact, urgency] = SEVERITY_IMPACT_URGENCY[value]!;
      body = { impact, urgency };
    } else {
      value = random() < 0.5 ? '2' : '6';
      body = value === '6' ? { state: '6', close_code: 'Solution provided', close_notes: 'Fixed by the ITIL user' } : { state: '2' };
    }
    // ServiceNow writes nothing for an update that changes no value (no new version, no business
    // rule, no push): such a PATCH is no write in ServiceNow's order. It is told apart exactly by the
    // version: unchanged before and after means nothing was written (by us or anyone in between).
    // The same holds field by field: resolving an incident that is already resolved, with new close
    // notes, writes the notes, not the state (the push's changed_fields do not name it). When the
    // PATCH made the very next version, the values read before are what it changed from.
    const fields = field === 'status' ? ['state'] : Object.keys(body);
    const before = await snRequest(this.setup, 'GET', `/api/now/table/incident/${tracked.sysId}?sysparm_fields=sys_mod_count,${fields.join(',')}`, undefined, ITIL);
    const answer = await snRequest(this.setup, 'PATCH', `/api/now/table/incident/${tracked.sysId}?sysparm_fields=sys_id,sys_mod_count`, body, ITIL);
    if (answer.status !== 200) {
      this.refused.push(`ServiceNow PATCH ${field} of ${tracked.index}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    const versionBefore = before.status === 200 ? String(before.body?.result?.sys_mod_count ?? '') : '';
    const versionAfter = String(answer.body?.result?.sys_mod_count ?? '');
    const nextVersion = versionBefore !== '' && Number(versionAfter) === Number(versionBefore) + 1;
    const fieldUnchanged = nextVersion && fields.every((f) => String(before.body?.result?.[f] ?? '') === body[f]);
    if ((versionBefore !== '' && versionBefore === versionAfter) || fieldUnchanged) {
      this.unchangedSets++;
      return;
    }
    this.record({ incident: tracked.index, field, side: 'servicenow', value, at: Date.now() });
  }

  private async noteServiceNow(tracked: Tracked, random: () => number): Promise<void> {
    const token = this.token('servicenow');
    const element = random() < 0.5 ? 'comments' : 'work_notes';
    const answer = await snRequest(this.setup, 'PATCH', `/api/now/table/incident/${tracked.sysId}?sysparm_fields=sys_id`, { [element]: `Journal ${token}` }, ITIL);
    if (answer.status !== 200) {
      this.refused.push(`ServiceNow ${element} on ${tracked.index}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    this.notes.push({ incident: tracked.index, side: 'servicenow', token, at: Date.now() });
  }

  private record(write: Write): void {
    this.writes.push(write);
    this.incidents[write.incident]!.last[write.field] = write;
  }

  /** Compares both sides with each other and with the record of who wrote what last. */
  async verify(): Promise<Verdict> {
    const verdict: Verdict = { changes: this.changes, lost: 0, duplicated: 0, diverged: 0, reverted: 0, problems: [] };
    const problem = (kind: keyof Omit<Verdict, 'changes' | 'problems'>, text: string): void => {
      verdict[kind] += 1;
      if (verdict.problems.length < 40) verdict.problems.push(`${kind}: ${text}`);
    };
    for (const tracked of this.incidents) {
      const at = `incident ${tracked.index} (${tracked.id})`;
      const view: Json = await api(this.setup, 'GET', `/api/incidents/${tracked.id}`);
      const linked: Json[] = await sn(
        this.setup,
        'GET',
        `/api/now/table/incident?sysparm_query=correlation_id=${tracked.id}&sysparm_fields=sys_id,short_description,description,priority,state`,
      );
      if (linked.length === 0 || view.servicenow?.sys_id !== tracked.sysId) problem('lost', `${at}: linked to ${linked.length} record(s), the link names ${view.servicenow?.sys_id}`);
      if (linked.length > 1) problem('duplicated', `${at}: ${linked.length} ServiceNow records carry its correlation_id`);
      const record = linked.find((r) => r.sys_id === tracked.sysId) ?? (await sn(this.setup, 'GET', `/api/now/table/incident/${tracked.sysId}?sysparm_fields=sys_id,short_description,description,priority,state`));

      // Both sides agree (through the mapping).
      const agree: Record<Field, boolean> = {
        name: view.name === record.short_description,
        summary: view.summary === record.description,
        severity: SEVERITY_PRIORITY[view.severity] === record.priority,
        status: STATUS_STATE[view.status] === record.state || (view.status === 'triage' && record.state === '1'),
      };
      for (const field of FIELDS) {
        if (!agree[field]) problem('diverged', `${at} ${field}: incident.io ${JSON.stringify(pickField(view, field))}, ServiceNow ${JSON.stringify(snField(record, field))}`);
      }

      // The final value is the one written last by a person.
      for (const field of FIELDS) {
        const last = tracked.last[field];
        const ok = last ? matchesWrite(view, record, last) : matchesWrite(view, record, { field, side: 'incident.io', value: tracked.initial[field], incident: tracked.index, at: 0 });
        if (!ok) {
          problem(
            'reverted',
            `${at} ${field}: last written by ${last ? `${last.side} at ${new Date(last.at).toISOString()}` : 'nobody since the declaration'} as ${JSON.stringify(last?.value ?? tracked.initial[field])}; now incident.io ${JSON.stringify(pickField(view, field))}, ServiceNow ${JSON.stringify(snField(record, field))}`,
          );
        }
      }

      // Every note exactly once on each side.
      const journal: Json[] = await sn(
        this.setup,
        'GET',
        `/api/now/table/sys_journal_field?sysparm_query=element_id=${tracked.sysId}^elementINcomments,work_notes&sysparm_fields=value&sysparm_limit=10000`,
      );
      const updates: string[] = (view.updates ?? []).map((u: Json) => String(u.message));
      for (const note of this.notes.filter((n) => n.incident === tracked.index)) {
        const pattern = new RegExp(`\\b${note.token}\\b`);
        const inServiceNow = journal.filter((j) => pattern.test(String(j.value))).length;
        const inIncidentIo = updates.filter((m) => pattern.test(m)).length;
        for (const [side, count] of [['ServiceNow', inServiceNow], ['incident.io', inIncidentIo]] as const) {
          if (count === 0) problem('lost', `${at}: note ${note.token} (from ${note.side}) missing in ${side}`);
          if (count > 1) problem('duplicated', `${at}: note ${note.token} (from ${note.side}) ${count} times in ${side}`);
        }
      }
    }
    return verdict;
  }

  /** True when nothing is left to write in incident.io's queue and both sides agree on every field. */
  async converged(): Promise<boolean> {
    for (const tracked of this.incidents) {
      const view: Json = await api(this.setup, 'GET', `/api/incidents/${tracked.id}`);
      if (view.sync.pending_writes > 0) return false;
      const record = await sn(this.setup, 'GET', `/api/now/table/incident/${tracked.sysId}?sysparm_fields=short_description,description,priority,state`);
      if (view.name !== record.short_description || view.summary !== record.description) return false;
      if (SEVERITY_PRIORITY[view.severity] !== record.priority || STATUS_STATE[view.status] !== record.state) return false;
      const notes = this.notes.filter((n) => n.incident === tracked.index && n.side === 'servicenow');
      const messages = (view.updates ?? []).map((u: Json) => String(u.message)).join('\n');
      if (notes.some((n) => !messages.includes(n.token))) return false;
    }
    return true;
  }
}

function pick<T>(values: T[], random: () => number): T {
  return values[Math.floor(random() * values.length)]!;
}

function pickField(view: Json, field: Field): string {
  return view[field];
}

function snField(record: Json, field: Field): string {
  if (field === 'name') return record.short_description;
  if (field === 'summary') return record.description;
  if (field === 'severity') return `priority ${record.priority}`;
  return `state ${record.state}`;
}

/** Whether both sides show what `write` wrote (a ServiceNow open state leaves an open status as it was: docs/sync.md). */
function matchesWrite(view: Json, record: Json, write: Write): boolean {
  if (write.field === 'name') return view.name === write.value && record.short_description === write.value;
  if (write.field === 'summary') return view.summary === write.value && record.description === write.value;
  if (write.field === 'severity') return view.severity === write.value && record.priority === SEVERITY_PRIORITY[write.value];
  if (write.side === 'incident.io') return view.status === write.value && record.state === STATUS_STATE[write.value];
  return write.value === '6' ? view.status === 'resolved' && record.state === '6' : OPEN_STATUSES.has(view.status) && record.state === '2';
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makes `count` changes with `lanes` in parallel, on the sides given. */
export async function runStream(
  work: Workload,
  count: number,
  random: () => number,
  sides: { incidentIo: boolean; serviceNow: boolean },
  lanes = 3,
): Promise<void> {
  const target = work.changes + count;
  const lane = async (): Promise<void> => {
    while (work.changes < target) {
      if (!(await work.changeOne(random, sides))) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/**
 * How long both sides may take to agree once a fault is gone: room for a write that waits the whole
 * pushWaitMs (60 s) for pushes the app owes, plus a retry's backoff, on a loaded machine. A deadline,
 * not a speed target: the figures report the real time.
 */
export const SETTLE_DEADLINE_MS = 150_000;

/** Waits until both sides agree and the app has nothing left to deliver: the seconds since `since`, or null past the deadline. */
export async function settle(setup: Setup, work: Workload, since: number, deadlineMs = SETTLE_DEADLINE_MS): Promise<number | null> {
  return (await settleInParts(setup, work, since, deadlineMs)).settled;
}

export interface SettleParts {
  /** Seconds from `since` until both sides agreed (and still did at the end): what responders see. Null past the deadline. */
  agreed: number | null;
  /** Seconds until, besides, the app's outbox had nothing left to deliver (settle's figure). Null past the deadline. */
  settled: number | null;
  /** The app's outbox when both sides agreed: its undelivered events (changes the companion holds already, or the agreement would wait) and the most attempts among them. */
  outboxWhenAgreed: { undelivered: number; maxAttempts: number } | null;
}

/**
 * settle, with the time both sides agreed apart from the time the app's outbox emptied: the app
 * retries a push that failed while the companion was down on its own backoff, even when the
 * companion read that change from the outbox at its start, so the second can trail the first.
 */
export async function settleInParts(setup: Setup, work: Workload, since: number, deadlineMs = SETTLE_DEADLINE_MS): Promise<SettleParts> {
  let agreedAt: number | null = null;
  let outboxWhenAgreed: SettleParts['outboxWhenAgreed'] = null;
  try {
    await waitFor(
      async () => {
        if (!(await work.converged())) {
          agreedAt = null;
          return false;
        }
        const rows: Json[] = await sn(setup, 'GET', '/api/now/table/x_incident_io_outbound_event?sysparm_query=state!=delivered^state!=dead&sysparm_fields=attempts&sysparm_limit=10000');
        if (agreedAt === null) {
          agreedAt = Date.now();
          outboxWhenAgreed = { undelivered: rows.length, maxAttempts: Math.max(0, ...rows.map((r) => Number(r.attempts))) };
        }
        return rows.length === 0;
      },
      { timeoutMs: deadlineMs, intervalMs: 250, message: 'both sides to agree' },
    );
    return { agreed: (agreedAt! - since) / 1000, settled: (Date.now() - since) / 1000, outboxWhenAgreed };
  } catch {
    process.stdout.write(`did not settle; app outbox:\n${(await outboxBacklog(setup)).join('\n')}\n`);
    return { agreed: agreedAt === null ? null : (agreedAt - since) / 1000, settled: null, outboxWhenAgreed };
  }
}

/** incident.io's writes to ServiceNow not made yet, over the workload's incidents. */
export async function pendingWrites(setup: Setup, work: Workload): Promise<number> {
  let pending = 0;
  for (const t of work.incidents) pending += (await api(setup, 'GET', `/api/incidents/${t.id}`)).sync.pending_writes;
  return pending;
}

export interface KillStreamOptions {
  changes: number;
  kills: number;
  lanes: number;
  /** The stream stops here even if it has not made all its changes (the figures then say how many it made). */
  streamDeadlineMs: number;
  /** Past this many undelivered events in the app's outbox (while the companion is up), ServiceNow's side waits. */
  maxOutboxBacklog: number;
  /** True when the kill takes the whole companion down (incident.io's side waits until it is back); false for one replica of several. */
  companionDown: boolean;
  /** Kills a process with SIGKILL; returns what was killed, for the figures. */
  kill: () => Promise<string>;
  /** Starts the killed process again. */
  restart: () => Promise<void>;
}

export interface KillStreamResult {
  /** What each kill killed, and the seconds its restart took. */
  restarts: Array<{ killed: string; seconds: number }>;
  /** When the last change was made (Date.now()). */
  lastChange: number;
  streamSeconds: number;
}

/**
 * The fault suites' stream: `lanes` people change the workload's incidents on both sides until
 * `changes` are made, while `kills` kill -9s come at even steps of the changes (or of the stream's
 * time on a slow machine, whichever is first), each followed by a restart. incident.io's calls are
 * let finish before a kill (a call cut mid-way has no known outcome for the workload to record).
 */
export async function streamWithKills(setup: Setup, work: Workload, random: () => number, o: KillStreamOptions): Promise<KillStreamResult> {
  let up = true;
  let pausedForKill = false;
  const killAt = Array.from({ length: o.kills }, (_, k) => Math.round(((k + 1) * o.changes) / (o.kills + 1)));
  const restarts: KillStreamResult['restarts'] = [];
  let killing: Promise<void> | null = null;

  const killAndRestart = async (): Promise<void> => {
    pausedForKill = true;
    await waitFor(() => work.incidentIoInFlight === 0, { timeoutMs: 30_000, message: 'incident.io calls to finish before the kill' });
    if (o.companionDown) up = false;
    const killed = await o.kill();
    pausedForKill = false;
    const started = Date.now();
    await o.restart();
    restarts.push({ killed, seconds: (Date.now() - started) / 1000 });
    up = true;
  };

  let backlog = 0;
  let streaming = true;
  const watchBacklog = (async () => {
    while (streaming) {
      backlog = (await outbox(setup)).undelivered;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  const streamStart = Date.now();
  const streamDeadline = streamStart + o.streamDeadlineMs;
  const lane = async (): Promise<void> => {
    while (work.changes < o.changes && Date.now() < streamDeadline) {
      const due = killAt.length > 0 && (work.changes >= killAt[0]! || Date.now() >= streamStart + ((o.kills + 1 - killAt.length) * o.streamDeadlineMs) / (o.kills + 1));
      if (due && !killing) {
        killAt.shift();
        killing = killAndRestart().finally(() => (killing = null));
      }
      // Backpressure: while the app's outbox is far behind (a slow machine), only incident.io changes are made.
      const serviceNow = !up || backlog <= o.maxOutboxBacklog;
      const incidentIo = up && !pausedForKill;
      if (!(incidentIo || serviceNow) || !(await work.changeOne(random, { incidentIo, serviceNow }))) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await Promise.all(Array.from({ length: o.lanes }, lane));
  streaming = false;
  await watchBacklog;
  if (killing) await killing;
  const lastChange = Date.now();
  return { restarts, lastChange, streamSeconds: (lastChange - streamStart) / 1000 };
}
