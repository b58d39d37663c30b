import crypto from 'node:crypto';
import type { AppConfig } from '../../src/server/lib/config';
import type { DeliveryDeps } from '../../src/server/lib/delivery';
import type { HttpRequest, HttpResult, Logger } from '../../src/server/lib/glide-interfaces';
import { glideDeliveryLock } from '../../src/server/lib/delivery-lock';
import { glideOutboxStore } from '../../src/server/lib/outbox-store';
import type { QueueDeps } from '../../src/server/lib/queue';
import { recordReferenceLookup } from '../../src/server/lib/reference-lookup';
import { FakeDatabase, FakeGlideRecord, type Row } from './fake-glide';
import { generateMac, newSigningSecret } from './hmac';

/**
 * A small world for unit tests of the app's logic: a fake database holding users, a group, a CI and
 * incidents, plus the dependencies the business rules and delivery take, all over that database.
 */
export class AppFixture {
  readonly db = new FakeDatabase();
  readonly secret = newSigningSecret();
  config: AppConfig = {
    enabled: true,
    webhookUrl: 'https://hooks.example.com/webhooks/servicenow/acme',
    signingSecret: this.secret,
    integrationUser: 'svc_incident_io',
    followUpTable: 'incident',
    maxAttempts: 5,
    retryBaseSeconds: 30,
    retentionDays: 7,
    requestTimeoutSeconds: 10,
    clone: null,
  };
  userName = 'itil.user';
  readonly requests: HttpRequest[] = [];
  /** Answers each outbound POST; replace per test. */
  respond: (request: HttpRequest) => HttpResult = () => ok(200);
  readonly logs: string[] = [];
  readonly users: { [userName: string]: Row };
  readonly group: Row;
  readonly ci: Row;

  constructor() {
    this.db.labels = {
      'incident.state.1': 'New',
      'incident.state.2': 'In Progress',
      'incident.state.6': 'Resolved',
      'incident.priority.1': '1 - Critical',
      'incident.priority.5': '5 - Planning',
    };
    this.users = {
      alice: this.db.insert('sys_user', { user_name: 'alice', name: 'Alice Able', email: 'alice@example.com' }),
      bob: this.db.insert('sys_user', { user_name: 'bob', name: 'Bob Baker', email: 'bob@example.com' }),
      svc: this.db.insert('sys_user', { user_name: 'svc_incident_io', name: 'incident.io', email: '' }),
    };
    this.group = this.db.insert('sys_user_group', { name: 'Database' });
    this.ci = this.db.insert('cmdb_ci', { name: 'db-prod-1' });
  }

  incident(values: Row = {}): FakeGlideRecord {
    const row = this.db.insert('incident', {
      number: 'INC0010001',
      short_description: 'Database unreachable',
      description: 'Writes failing since 09:00',
      state: '1',
      priority: '5',
      impact: '3',
      urgency: '3',
      active: 'true',
      sys_updated_by: 'itil.user',
      ...values,
    });
    const gr = new FakeGlideRecord(this.db, 'incident');
    gr.get(row.sys_id!);
    return gr;
  }

  store() {
    return glideOutboxStore(this.db.factory(), this.db.aggregateFactory());
  }

  outbox(): Row[] {
    return [...this.db.rows('x_incident_io_outbound_event')].sort((a, b) => (a.order_key! < b.order_key! ? -1 : 1));
  }

  queueDeps(): QueueDeps {
    return {
      config: this.config,
      userName: this.userName,
      instance: 'acme',
      nowMs: () => this.db.nowMs,
      guid: () => crypto.randomBytes(16).toString('hex'),
      store: this.store(),
      lookup: recordReferenceLookup(this.db.factory()),
      incident: (sysId) => {
        const gr = new FakeGlideRecord(this.db, 'incident');
        return gr.get(sysId) ? gr : null;
      },
    };
  }

  deliveryDeps(): DeliveryDeps {
    const log: Logger = {
      info: (m) => this.logs.push(`info ${m}`),
      warn: (m) => this.logs.push(`warn ${m}`),
      error: (m) => this.logs.push(`error ${m}`),
    };
    return {
      config: this.config,
      store: this.store(),
      lock: glideDeliveryLock(this.db.factory()),
      nowMs: () => this.db.nowMs,
      random: () => 0.5,
      mac: generateMac,
      post: (request) => {
        this.requests.push(request);
        return this.respond(request);
      },
      log,
    };
  }

  advance(seconds: number): void {
    this.db.nowMs += seconds * 1000;
  }
}

export function ok(status: number, headers: { [name: string]: string } = {}, body = ''): HttpResult {
  return { status, body, header: (name) => headers[name] ?? null, error: null };
}

export function unreachable(message = 'Connection refused'): HttpResult {
  return { status: 0, body: '', header: () => null, error: message };
}
