import { CertificateEncryption, GlideAggregate, GlideDateTime, GlideRecord, gs } from '@servicenow/glide';
import { RESTMessageV2 } from '@servicenow/glide/sn_ws';
import { REQUIRED_ROLES } from '../contract/roles.ts';
import { AppError } from './app-error.ts';
import type { ActionResult, TestEventDeps } from './admin-actions.ts';
import { detectClone, IDENTITY_PROPERTY, type InstanceIdentity } from './clone-guard.ts';
import { readConfig, type AppConfig } from './config.ts';
import { configCache } from './config-cache.ts';
import { CONFIG_CACHE_MAX_AGE_MS, CONFIG_FIELD, CONFIG_RECORD_NAME, CONFIG_TABLE, PROPERTY } from './constants.ts';
import type { DeliveryDeps } from './delivery.ts';
import { glideDeliveryLock } from './delivery-lock.ts';
import type { GlideAggregateLike, GlideRecordLike, HttpRequest, HttpResult, Logger, PropertyAccess, RecordReader, SecretField } from './glide-interfaces.ts';
import type { CallerInfo } from './health.ts';
import { glideOutboxStore, type OutboxStore } from './outbox-store.ts';
import { DEFERRED_LOOKUP, type ReferenceLookup } from './payload.ts';
import type { QueueDeps } from './queue.ts';
import { recordReferenceLookup, tableHierarchy as tableHierarchyIn, userExists as userExistsIn } from './reference-lookup.ts';
import { currentSigningSecret } from './signing-secret.ts';

/**
 * The one place that touches the real Glide APIs: it builds the dependencies the app's logic
 * takes as arguments. Everything else in src/server is plain functions over these.
 */

export function newRecord(table: string): GlideRecordLike {
  return new GlideRecord(table) as unknown as GlideRecordLike;
}

export function newAggregate(table: string): GlideAggregateLike {
  return new GlideAggregate(table) as unknown as GlideAggregateLike;
}

export const properties: PropertyAccess = {
  get: (name) => gs.getProperty(name, ''),
  set: (name, value) => {
    gs.setProperty(name, value);
    // Every node's cached configuration is now stale.
    gs.setProperty(PROPERTY.configVersion, gs.generateGUID());
    cachedSettings.clear();
  },
};

/**
 * The signing secret's password2 field on the configuration record: written with setDisplayValue()
 * (setValue() is documented not to encrypt), read with getDecryptedValue(). Plain GlideRecord, so
 * the record's ACLs (x_incident_io.admin only) do not stop the app's own scripts.
 */
export const signingSecretField: SecretField = {
  get() {
    const gr = new GlideRecord(CONFIG_TABLE);
    if (!gr.get(CONFIG_FIELD.name, CONFIG_RECORD_NAME)) return '';
    return gr.getElement(CONFIG_FIELD.signingSecret).getDecryptedValue() || '';
  },
  set(secret) {
    const gr = new GlideRecord(CONFIG_TABLE);
    const exists = gr.get(CONFIG_FIELD.name, CONFIG_RECORD_NAME);
    if (!exists) {
      gr.initialize();
      gr.setValue(CONFIG_FIELD.name, CONFIG_RECORD_NAME);
    }
    gr.getElement(CONFIG_FIELD.signingSecret).setDisplayValue(secret);
    const saved = exists ? gr.update() : gr.insert();
    if (!saved) throw new AppError('signing_secret_not_saved', 'the signing secret could not be saved to ' + CONFIG_TABLE);
  },
};

/**
 * For the business rules (inside the user's transaction): the configuration, the instance name and
 * whether this is a clone, read once per configuration version and instance name (two property reads
 * per rule run: a clone always has another instance_name, so the rules stop queueing on a clone at
 * once). Everything else (delivery, the API, the job) reads afresh: a value edited by hand applies
 * there at once, and in the business rules (enabled, integration user, a change of glide.servlet.uri
 * alone) within CONFIG_CACHE_MAX_AGE_MS.
 */
const cachedSettings = configCache(
  () => gs.getProperty(PROPERTY.configVersion, '') + '|' + gs.getProperty(IDENTITY_PROPERTY.name, ''),
  // No signing secret here: queueing never signs, and reading it is a record read inside the user's
  // transaction. The delivery reads it (config()).
  () => ({
    config: readConfig(properties, '', detectClone(recordedIdentity(), currentIdentity())),
    instance: gs.getProperty('instance_name', ''),
  }),
  () => Date.now(),
  CONFIG_CACHE_MAX_AGE_MS,
);

/** The identity of the instance this script runs on: the `instance_name` property and `glide.servlet.uri`. */
export function currentIdentity(): InstanceIdentity {
  return { name: gs.getProperty(IDENTITY_PROPERTY.name, ''), url: gs.getProperty(IDENTITY_PROPERTY.url, '') };
}

/** The configuration record, or null when there is none (one read). */
function configRecord(): GlideRecord | null {
  const gr = new GlideRecord(CONFIG_TABLE);
  return gr.get(CONFIG_FIELD.name, CONFIG_RECORD_NAME) ? gr : null;
}

/** The identity PUT /config recorded in the configuration record, or null when none is. */
export function recordedIdentity(): InstanceIdentity | null {
  return identityOf(configRecord());
}

function identityOf(gr: GlideRecord | null): InstanceIdentity | null {
  if (!gr) return null;
  const name = gr.getValue(CONFIG_FIELD.instanceName) || '';
  const url = gr.getValue(CONFIG_FIELD.instanceUrl) || '';
  return name === '' && url === '' ? null : { name, url };
}

/** Records the identity PUT /config ran on; later reads compare against it (clone-guard.ts). */
export function recordIdentity(identity: InstanceIdentity): void {
  const gr = new GlideRecord(CONFIG_TABLE);
  const exists = gr.get(CONFIG_FIELD.name, CONFIG_RECORD_NAME);
  if (!exists) {
    gr.initialize();
    gr.setValue(CONFIG_FIELD.name, CONFIG_RECORD_NAME);
  }
  gr.setValue(CONFIG_FIELD.instanceName, identity.name);
  gr.setValue(CONFIG_FIELD.instanceUrl, identity.url);
  const saved = exists ? gr.update() : gr.insert();
  if (!saved) throw new AppError('identity_not_saved', 'the instance identity could not be saved to ' + CONFIG_TABLE);
}

/** The whole configuration, for the delivery, the API and the job: the configuration record is read once (secret and identity). */
export function config(): AppConfig {
  const record = configRecord();
  const secretOfRecord: SecretField = {
    get: () => (record ? record.getElement(CONFIG_FIELD.signingSecret).getDecryptedValue() || '' : ''),
    set: (secret) => signingSecretField.set(secret),
  };
  const secret = currentSigningSecret(secretOfRecord, properties, log);
  return readConfig(properties, secret, detectClone(identityOf(record), currentIdentity()));
}

export function nowMs(): number {
  return new GlideDateTime().getNumericValue();
}

export function instanceName(): string {
  return gs.getProperty('instance_name', '');
}

export const log: Logger = {
  info: (message) => gs.info('[x_incident_io] ' + message),
  warn: (message) => gs.warn('[x_incident_io] ' + message),
  error: (message) => gs.error('[x_incident_io] ' + message),
};

export function outboxStore(): OutboxStore {
  return glideOutboxStore(newRecord, newAggregate);
}

export const referenceLookup: ReferenceLookup = recordReferenceLookup(newRecord);

export function userExists(userName: string): boolean {
  return userExistsIn(newRecord, userName);
}

/** The tables `table` extends, nearest first, itself included (read from sys_db_object); empty when it is no table. */
export function tableHierarchy(table: string): string[] {
  return tableHierarchyIn(newRecord, table);
}

/** sn_ws.RESTMessageV2: a synchronous POST that never throws. */
export function restPost(request: HttpRequest): HttpResult {
  try {
    const message = new (RESTMessageV2 as unknown as new () => RESTMessageV2)();
    message.setEndpoint(request.url);
    message.setHttpMethod('post');
    message.setHttpTimeout(request.timeoutMs);
    for (const name of Object.keys(request.headers)) message.setRequestHeader(name, request.headers[name]);
    message.setRequestBody(request.body);
    const response = message.execute();
    const status = response.getStatusCode() || 0;
    return {
      status,
      body: response.getBody() || '',
      header: (name) => response.getHeader(name) || null,
      error: response.haveError() ? response.getErrorMessage() || 'HTTP ' + status : null,
    };
  } catch (err) {
    return { status: 0, body: '', header: () => null, error: String(err) };
  }
}

/** The scoped API (CertificateEncryption, not the global GlideCertificateEncryption): key in base64, MAC in base64. */
export function macSha256(base64Key: string, data: string): string {
  return new CertificateEncryption().generateMac(base64Key, 'HmacSHA256', data);
}

/**
 * Inside the user's transaction: two property reads (the cached configuration) and the outbox
 * insert. References are named later, by the delivery (DEFERRED_LOOKUP leaves their names empty).
 */
export function queueDeps(): QueueDeps {
  const settings = cachedSettings.get();
  return {
    config: settings.config,
    userName: gs.getUserName(),
    instance: settings.instance,
    nowMs,
    guid: () => gs.generateGUID(),
    store: outboxStore(),
    lookup: DEFERRED_LOOKUP,
    incident(sysId: string): RecordReader | null {
      const gr = newRecord('incident');
      return sysId && gr.get(sysId) ? gr : null;
    },
  };
}

export function deliveryDeps(): DeliveryDeps {
  return {
    config: config(),
    store: outboxStore(),
    lock: glideDeliveryLock(newRecord),
    nowMs,
    random: Math.random,
    mac: macSha256,
    post: restPost,
    log,
    lookup: referenceLookup,
  };
}

export function callerInfo(): CallerInfo {
  const roles: { [role: string]: boolean } = {};
  for (const role of REQUIRED_ROLES) roles[role] = gs.hasRole(role);
  roles.admin = gs.hasRole('admin');
  const task = new GlideRecord('task');
  return {
    user_name: gs.getUserName(),
    roles,
    task_access: { create: task.canCreate(), read: task.canRead(), write: task.canWrite() },
  };
}

/** What "Send test event" needs. */
export function testEventDeps(): TestEventDeps {
  return { config: config(), store: outboxStore(), instance: instanceName(), nowMs: nowMs(), guid: () => gs.generateGUID() };
}

/** Tells the admin who pressed a UI action how it went (the form's info or error message). */
export function tellAdmin(result: ActionResult): void {
  if (result.ok) gs.addInfoMessage(result.message);
  else gs.addErrorMessage(result.message);
}
